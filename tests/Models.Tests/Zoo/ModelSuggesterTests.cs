using AcqSeg.Models.Zoo;
using AcqSeg.TestSupport;

namespace AcqSeg.Models.Tests.Zoo;

public sealed class ModelSuggesterTests
{
    private static LabelledStyle S(string model, string image, params float[] style) => new(model, image, style);

    [Fact]
    public void Suggest_MajorityOfFiveNearest_Wins()
    {
        var suggester = new ModelSuggester(
        [
            S("nuclei", "n1", 0, 0), S("nuclei", "n2", 0.1f, 0), S("nuclei", "n3", 0, 0.1f),
            S("cyto", "c1", 0.05f, 0.05f), S("cyto", "c2", 1, 1), S("cyto", "c3", 1.1f, 1),
            S("phase", "p1", 5, 5),
        ]);
        var s = suggester.Suggest([0.02f, 0.02f]);
        Assert.Equal("nuclei", s.Model);
        Assert.Equal(5, s.Neighbours.Count);
        Assert.Equal(3, s.Votes["nuclei"]);
        Assert.Equal(2, s.Votes["cyto"]);
        Assert.False(s.Votes.ContainsKey("phase"));
        Assert.Equal("n1", s.Neighbours[0].Image);
        Assert.Equal(Math.Sqrt(0.0008), s.Neighbours[0].Distance, 6);
        for (int i = 1; i < s.Neighbours.Count; i++) Assert.True(s.Neighbours[i].Distance >= s.Neighbours[i - 1].Distance);
    }

    [Fact]
    public void Suggest_NearestNeighbourOutvoted_MajorityStillWins()
    {
        var suggester = new ModelSuggester(
        [
            S("cyto", "c1", 0, 0),
            S("nuclei", "n1", 1, 0), S("nuclei", "n2", 0, 1), S("nuclei", "n3", -1, 0),
            S("cyto", "far", 9, 9),
        ], k: 4);
        var s = suggester.Suggest([0f, 0f]);
        Assert.Equal("nuclei", s.Model);
        Assert.Equal("c1", s.Neighbours[0].Image);
    }

    [Fact]
    public void Suggest_TiedVotes_GoToTheModelWithTheNearestNeighbour()
    {
        var suggester = new ModelSuggester(
        [
            S("a", "a1", 0.3f), S("a", "a2", 0.4f),
            S("b", "b1", 0.2f), S("b", "b2", 0.5f),
            S("c", "c1", 0.1f),
        ], k: 4);
        // Nearest four to 0.05: c1 (0.05), b1 (0.15), a1 (0.25), a2 (0.35) -> a has 2 votes and wins outright.
        Assert.Equal("a", suggester.Suggest([0.05f]).Model);
        // Nearest four to 0.35: a1/a2 (0.05 each), b1 (0.15), b2 (0.15) -> tie 2:2, a's neighbour is nearer.
        var tie = suggester.Suggest([0.35f]);
        Assert.Equal(2, tie.Votes["a"]);
        Assert.Equal(2, tie.Votes["b"]);
        Assert.Equal("a", tie.Model);
        // Nearest four to 0.45: b2 (0.05), a2 (0.05, stored earlier: first), a1 (0.15), b1 (0.25) -> tie, a2 comes first.
        Assert.Equal("a", suggester.Suggest([0.45f]).Model);
        // Nearest two to 0.52: b2 (0.02), a2 (0.12) -> tie 1:1, b is nearer.
        Assert.Equal("b", new ModelSuggester(
            [S("a", "a1", 0.3f), S("a", "a2", 0.4f), S("b", "b1", 0.2f), S("b", "b2", 0.5f)], k: 2).Suggest([0.52f]).Model);
    }

    [Fact]
    public void Suggest_KLargerThanTheStore_UsesEveryStyle()
    {
        var s = new ModelSuggester([S("x", "1", 0), S("y", "2", 1), S("y", "3", 2)], k: 5).Suggest([0f]);
        Assert.Equal(3, s.Neighbours.Count);
        Assert.Equal("y", s.Model);
    }

    [Fact]
    public void Construction_StylesOfDifferentLengths_AreRefused()
    {
        Assert.Throws<ArgumentException>(() => new ModelSuggester([S("a", "1", 0, 1), S("b", "2", 0)]));
        Assert.Throws<ArgumentException>(() => new ModelSuggester([]));
        Assert.Throws<ArgumentException>(() => new ModelSuggester([S("a", "1", 0)]).Suggest([0f, 1f]));
    }

    [Fact]
    public void StyleSet_SaveLoad_RoundTrips()
    {
        using var temp = new TempFolder();
        var set = new StyleSet("general", "abc123", [new StyleExample("img_1.tif", [0.5f, -1e-7f, 3]), new StyleExample("ü.tif", [1, 2, 3])]);
        string path = temp.File("styles.bin");
        set.Save(path);
        var back = StyleSet.Load(path);
        Assert.Equal("general", back.Reference);
        Assert.Equal("abc123", back.ReferenceSha256);
        Assert.Equal(2, back.Examples.Count);
        Assert.Equal("ü.tif", back.Examples[1].Image);
        Assert.Equal(set.Examples[0].Style, back.Examples[0].Style);
    }
}
