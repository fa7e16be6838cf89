namespace AcqSeg.Engine.Inference;

/// <summary>Float32 style arithmetic the way numpy does it (pairwise summation for the L2 norm).</summary>
internal static class StyleVector
{
    /// <summary>Divides by the L2 norm (numpy: <c>s /= (s**2).sum()**0.5</c>, all float32).</summary>
    public static void Normalize(float[] style)
    {
        var squares = new float[style.Length];
        for (int i = 0; i < style.Length; i++) squares[i] = style[i] * style[i];
        float norm = MathF.Sqrt(PairwiseSum(squares));
        for (int i = 0; i < style.Length; i++) style[i] /= norm;
    }

    /// <summary>numpy's pairwise_sum for float32: 8 running partial sums in blocks of up to 128 values.</summary>
    public static float PairwiseSum(ReadOnlySpan<float> a)
    {
        int n = a.Length;
        if (n < 8)
        {
            float res = 0f;
            for (int i = 0; i < n; i++) res += a[i];
            return res;
        }
        if (n <= 128)
        {
            float r0 = a[0], r1 = a[1], r2 = a[2], r3 = a[3], r4 = a[4], r5 = a[5], r6 = a[6], r7 = a[7];
            int i;
            for (i = 8; i < n - (n % 8); i += 8)
            {
                r0 += a[i]; r1 += a[i + 1]; r2 += a[i + 2]; r3 += a[i + 3];
                r4 += a[i + 4]; r5 += a[i + 5]; r6 += a[i + 6]; r7 += a[i + 7];
            }
            float res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7));
            for (; i < n; i++) res += a[i];
            return res;
        }
        int half = n / 2;
        half -= half % 8;
        return PairwiseSum(a[..half]) + PairwiseSum(a[half..]);
    }
}
