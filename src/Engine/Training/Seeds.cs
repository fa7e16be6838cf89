namespace AcqSeg.Engine.Training;

/// <summary>Stable seed mixing (HashCode.Combine is randomised per process, so it cannot make runs repeatable).</summary>
public static class Seeds
{
    public static int Mix(int seed, int a, int b)
    {
        ulong z = (ulong)(uint)seed * 0x9E3779B97F4A7C15UL ^ (ulong)(uint)a * 0xBF58476D1CE4E5B9UL ^ (ulong)(uint)b * 0x94D049BB133111EBUL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (int)(z & 0x7FFFFFFF);
    }
}
