namespace AcqSeg.Integration.Tests.Ops;

/// <summary>
/// Reads the block-style YAML the ops files are written in (mappings, sequences, plain / quoted scalars, flow
/// sequences of scalars, comments) into dictionaries, lists and strings. No anchors, tags or multi-line scalars:
/// meeting one is a FormatException naming the line, so the ops files stay in the subset this checks.
/// </summary>
public static class BlockYaml
{
    private sealed record Line(int Number, int Indent, string Text);

    public static object? Parse(string text)
    {
        var lines = new List<Line>();
        string[] raw = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (int i = 0; i < raw.Length; i++)
        {
            if (raw[i].Contains('\t', StringComparison.Ordinal)) throw new FormatException($"line {i + 1}: tab character (YAML indents with spaces)");
            string content = StripComment(raw[i]).TrimEnd();
            if (content.Trim().Length == 0 || content.Trim() == "---") continue;
            int indent = content.Length - content.TrimStart(' ').Length;
            lines.Add(new Line(i + 1, indent, content.Trim()));
        }
        if (lines.Count == 0) return null;
        int at = 0;
        var node = ParseNode(lines, ref at, lines[0].Indent);
        if (at < lines.Count) throw new FormatException($"line {lines[at].Number}: unexpected indentation");
        return node;
    }

    private static object ParseNode(List<Line> lines, ref int at, int indent) =>
        IsItem(lines[at].Text) ? ParseSequence(lines, ref at, indent) : ParseMapping(lines, ref at, indent);

    private static bool IsItem(string text) => text == "-" || text.StartsWith("- ", StringComparison.Ordinal);

    private static Dictionary<string, object?> ParseMapping(List<Line> lines, ref int at, int indent)
    {
        var map = new Dictionary<string, object?>(StringComparer.Ordinal);
        while (at < lines.Count && lines[at].Indent == indent && !IsItem(lines[at].Text))
        {
            var line = lines[at];
            var (key, value) = SplitKey(line);
            if (map.ContainsKey(key)) throw new FormatException($"line {line.Number}: duplicate key '{key}'");
            at++;
            if (value.Length > 0)
            {
                map[key] = Scalar(value, line.Number);
            }
            else if (at < lines.Count && lines[at].Indent > indent)
            {
                map[key] = ParseNode(lines, ref at, lines[at].Indent);
            }
            else if (at < lines.Count && lines[at].Indent == indent && IsItem(lines[at].Text))
            {
                map[key] = ParseSequence(lines, ref at, indent);
            }
            else
            {
                map[key] = null;
            }
        }
        if (at < lines.Count && lines[at].Indent > indent) throw new FormatException($"line {lines[at].Number}: unexpected indentation");
        return map;
    }

    private static List<object?> ParseSequence(List<Line> lines, ref int at, int indent)
    {
        var list = new List<object?>();
        while (at < lines.Count && lines[at].Indent == indent && IsItem(lines[at].Text))
        {
            var line = lines[at];
            string content = line.Text.Length > 1 ? line.Text[2..].TrimStart() : "";
            int contentIndent = indent + (line.Text.Length - content.Length);
            if (content.Length == 0)
            {
                at++;
                list.Add(at < lines.Count && lines[at].Indent > indent ? ParseNode(lines, ref at, lines[at].Indent) : null);
            }
            else if (KeyEnd(content) >= 0)
            {
                // "- key: value" opens a mapping whose keys line up with "key".
                lines[at] = line with { Indent = contentIndent, Text = content };
                list.Add(ParseMapping(lines, ref at, contentIndent));
            }
            else
            {
                at++;
                list.Add(Scalar(content, line.Number));
            }
        }
        return list;
    }

    private static (string Key, string Value) SplitKey(Line line)
    {
        int end = KeyEnd(line.Text);
        if (end < 0) throw new FormatException($"line {line.Number}: expected 'key: value', found '{line.Text}'");
        string key = line.Text[..end].Trim();
        if (key.Length >= 2 && (key[0] == '"' || key[0] == '\'')) key = key[1..^1];
        return (key, line.Text[(end + 1)..].Trim());
    }

    /// <summary>Index of the ':' that ends a mapping key (followed by a space or the end), outside quotes; -1 if none.</summary>
    private static int KeyEnd(string text)
    {
        char quote = '\0';
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quote != '\0')
            {
                if (c == quote) quote = '\0';
                continue;
            }
            if (i == 0 && (c == '"' || c == '\'')) { quote = c; continue; }
            if (c == '[' || c == '{') return -1;
            if (c == ':' && (i + 1 == text.Length || text[i + 1] == ' ')) return i;
        }
        return -1;
    }

    private static object? Scalar(string text, int number)
    {
        if (text.StartsWith('&') || text.StartsWith('*') || text.StartsWith('!') || text.StartsWith('|') || text.StartsWith('>') || text.StartsWith('{'))
            throw new FormatException($"line {number}: '{text}' uses YAML beyond the block subset (anchors, tags, block scalars, flow mappings)");
        if (text.StartsWith('['))
        {
            if (!text.EndsWith(']')) throw new FormatException($"line {number}: unterminated flow sequence");
            string inner = text[1..^1].Trim();
            return inner.Length == 0 ? new List<object?>() : SplitFlow(inner, number).Select(s => Scalar(s, number)).ToList();
        }
        if (text.StartsWith('"'))
        {
            if (text.Length < 2 || !text.EndsWith('"')) throw new FormatException($"line {number}: unterminated double-quoted string");
            return text[1..^1].Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);
        }
        if (text.StartsWith('\''))
        {
            if (text.Length < 2 || !text.EndsWith('\'')) throw new FormatException($"line {number}: unterminated single-quoted string");
            return text[1..^1].Replace("''", "'", StringComparison.Ordinal);
        }
        return text is "~" or "null" ? null : text;
    }

    private static List<string> SplitFlow(string inner, int number)
    {
        var parts = new List<string>();
        char quote = '\0';
        int start = 0;
        for (int i = 0; i < inner.Length; i++)
        {
            char c = inner[i];
            if (quote != '\0') { if (c == quote) quote = '\0'; continue; }
            if (c is '"' or '\'') quote = c;
            else if (c == ',') { parts.Add(inner[start..i].Trim()); start = i + 1; }
            else if (c is '[' or '{') throw new FormatException($"line {number}: nested flow collections are beyond the subset");
        }
        if (quote != '\0') throw new FormatException($"line {number}: unterminated quote in flow sequence");
        parts.Add(inner[start..].Trim());
        return parts;
    }

    private static string StripComment(string line)
    {
        char quote = '\0';
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quote != '\0') { if (c == quote) quote = '\0'; continue; }
            if (c is '"' or '\'') quote = c;
            else if (c == '#' && (i == 0 || line[i - 1] == ' ')) return line[..i];
        }
        return line;
    }

    /// <summary>Walks a path of mapping keys; null when a key is missing.</summary>
    public static object? At(object? node, params string[] path)
    {
        foreach (string key in path)
        {
            if (node is not Dictionary<string, object?> map || !map.TryGetValue(key, out node)) return null;
        }
        return node;
    }

    public static Dictionary<string, object?> Map(object? node, string what) =>
        node as Dictionary<string, object?> ?? throw new FormatException($"{what} is not a mapping");
}
