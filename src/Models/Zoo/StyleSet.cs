using System.Text;

namespace AcqSeg.Models.Zoo;

/// <summary>The style of one training image.</summary>
public sealed record StyleExample(string Image, float[] Style);

/// <summary>
/// The styles of a model's training images (models/NAME/styles.bin), all computed with one reference network so that
/// styles of different models are comparable; the reference is named and identified by the SHA-256 of its weights.
/// Binary: "ACQSTYLE", int32 format 1, reference name, reference SHA-256, int32 count, int32 length, then per image its
/// name and length float32 values (little-endian; strings length-prefixed UTF-8).
/// </summary>
public sealed record StyleSet(string Reference, string ReferenceSha256, IReadOnlyList<StyleExample> Examples)
{
    private const string Magic = "ACQSTYLE";

    public int Length => Examples.Count == 0 ? 0 : Examples[0].Style.Length;

    public void Save(string path)
    {
        if (Examples.Any(e => e.Style.Length != Length)) throw new ArgumentException("all styles of a set must have the same length");
        string tmp = path + ".tmp";
        using (var w = new BinaryWriter(File.Create(tmp), Encoding.UTF8))
        {
            w.Write(Encoding.ASCII.GetBytes(Magic));
            w.Write(1);
            w.Write(Reference);
            w.Write(ReferenceSha256);
            w.Write(Examples.Count);
            w.Write(Length);
            foreach (var e in Examples)
            {
                w.Write(e.Image);
                foreach (float v in e.Style) w.Write(v);
            }
        }
        File.Move(tmp, path, overwrite: true);
    }

    public static StyleSet Load(string path)
    {
        try
        {
            using var r = new BinaryReader(File.OpenRead(path), Encoding.UTF8);
            if (Encoding.ASCII.GetString(r.ReadBytes(Magic.Length)) != Magic || r.ReadInt32() != 1)
                throw new ZooException($"{path} is not a styles file written by acqseg; recompute it with `acqseg zoo add-styles`");
            string reference = r.ReadString(), sha = r.ReadString();
            int count = r.ReadInt32(), length = r.ReadInt32();
            if (count < 0 || length < 0 || (long)count * length > 1L << 28) throw new ZooException($"{path}: implausible size {count} x {length}");
            var examples = new List<StyleExample>(count);
            for (int i = 0; i < count; i++)
            {
                string name = r.ReadString();
                var style = new float[length];
                for (int k = 0; k < length; k++) style[k] = r.ReadSingle();
                examples.Add(new StyleExample(name, style));
            }
            return new StyleSet(reference, sha, examples);
        }
        catch (EndOfStreamException ex)
        {
            throw new ZooException($"{path} is truncated; recompute it with `acqseg zoo add-styles`", ex);
        }
    }
}
