using System.Globalization;
using System.Text.Json.Nodes;
using AcqSeg.Models.Sizing;

namespace AcqSeg.Models.Zoo;

/// <summary>
/// The model zoo folder: models/NAME/ holds model.pth (the current version's weights, what `--model NAME` loads),
/// manifest.json (versions and lineage), card.md (generated from the manifest), size.json (the current version's size
/// model), styles.bin (styles of the model's training images, for model suggestion) and versions/V/ (the weights and
/// size model of every superseded version). Every change rewrites the manifest and the card.
/// Reading needs no network; adding weights needs <paramref name="weights"/> (the engine's reader of widths and
/// diameters), so the review host and the watcher read the zoo without libtorch.
/// </summary>
public sealed class ModelZoo(string root, IWeightsInspector? weights = null)
{
    public const string WeightsFile = "model.pth";
    public const string SizeFile = "size.json";
    public const string StylesFile = "styles.bin";
    public const string CardFile = "card.md";
    public const string VersionsFolder = "versions";

    public string Root { get; } = Path.GetFullPath(root);

    public string Folder(string name)
    {
        CheckName(name);
        return Path.Combine(Root, name);
    }

    public static void CheckName(string name)
    {
        if (string.IsNullOrWhiteSpace(name) || name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || name.Contains('/') || name.Contains('\\') || name is "." or "..")
            throw new ZooException($"model name '{name}' must be a plain folder name (letters, digits, '-', '_')");
    }

    public bool Contains(string name) => File.Exists(Path.Combine(Folder(name), WeightsFile));

    public IReadOnlyList<string> Names() =>
        !Directory.Exists(Root) ? [] :
        Directory.EnumerateDirectories(Root).Where(d => File.Exists(Path.Combine(d, WeightsFile)))
            .Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList();

    /// <summary>The manifest; a model folder without one (e.g. written by an older `acqseg train`) gets a version 1
    /// described from its weights and training/run.json (not written until the zoo changes).</summary>
    public ModelManifest Manifest(string name)
    {
        string folder = Folder(name);
        string path = Path.Combine(folder, ModelManifest.FileName);
        if (File.Exists(path)) return ModelManifest.Read(path);
        if (!File.Exists(Path.Combine(folder, WeightsFile))) throw new ZooException(NotFound(name));
        return new ModelManifest { Name = name, Current = 1, Versions = [DescribeUnregistered(name)] };
    }

    public string WeightsPath(string name, int? version = null)
    {
        var m = Manifest(name);
        int v = version ?? m.Current;
        if (m.Find(v) is null) throw new ZooException($"model '{name}' has no version {v}; versions: {string.Join(", ", m.Versions.Select(x => x.Version))}");
        string path = v == m.Current ? Path.Combine(Folder(name), WeightsFile) : Path.Combine(Folder(name), VersionsFolder, v.ToString(CultureInfo.InvariantCulture), WeightsFile);
        if (!File.Exists(path)) throw new ZooException($"model '{name}' version {v}: weights {path} are missing (restore them from git)");
        return path;
    }

    /// <summary>The size model file of a version, or null when it has none.</summary>
    public string? SizeModelPath(string name, int? version = null)
    {
        var m = Manifest(name);
        int v = version ?? m.Current;
        string path = v == m.Current ? Path.Combine(Folder(name), SizeFile) : Path.Combine(Folder(name), VersionsFolder, v.ToString(CultureInfo.InvariantCulture), SizeFile);
        return File.Exists(path) ? path : null;
    }

    public string StylesPath(string name) => Path.Combine(Folder(name), StylesFile);

    /// <summary>
    /// Adds the weights in <paramref name="weightsFile"/> as the next version of NAME (creating the model when new) and
    /// makes it current; the previous current weights and size model move to versions/V/. Widths and diameters are read
    /// from the file, which must load as a Cellpose CPnet.
    /// </summary>
    public ModelVersion AddVersion(string name, string weightsFile, ModelVersion info)
    {
        ArgumentNullException.ThrowIfNull(info);
        string folder = Folder(name);
        var (widths, diamMean, diamLabels) = Inspect(weightsFile);
        var manifest = File.Exists(Path.Combine(folder, WeightsFile)) || File.Exists(Path.Combine(folder, ModelManifest.FileName))
            ? Manifest(name) : new ModelManifest { Name = name };
        Directory.CreateDirectory(folder);
        string target = Path.Combine(folder, WeightsFile);
        if (manifest.Versions.Count > 0 && File.Exists(target))
        {
            if (Path.GetFullPath(weightsFile) == Path.GetFullPath(target))
                throw new ZooException($"{weightsFile} is the current weights of '{name}'; write new weights elsewhere and add them from there");
            string old = Path.Combine(folder, VersionsFolder, manifest.Current.ToString(CultureInfo.InvariantCulture));
            Directory.CreateDirectory(old);
            File.Copy(target, Path.Combine(old, WeightsFile), overwrite: true);
            foreach (string beside in new[] { SizeFile, MaskThresholds.ZooFile })
            {
                string file = Path.Combine(folder, beside);
                if (File.Exists(file)) File.Move(file, Path.Combine(old, beside), overwrite: true);
            }
        }
        string tmp = target + ".tmp";
        File.Copy(weightsFile, tmp, overwrite: true);
        File.Move(tmp, target, overwrite: true);

        var version = info with
        {
            Version = manifest.NextVersion,
            Created = info.Created == default ? DateTimeOffset.UtcNow : info.Created,
            Widths = widths,
            DiamMean = diamMean,
            DiamLabels = diamLabels,
            SizeModel = null,
            Thresholds = null,
        };
        Save(manifest with { Name = name, Current = version.Version, Versions = [.. manifest.Versions, version] });
        return version;
    }

    /// <summary>Imports a Cellpose (or AcqSeg) .pth as the next version of NAME, with an optional size model
    /// (AcqSeg JSON or Cellpose *_size.npy). <paramref name="trained"/> describes how the weights were trained (a
    /// `train` run made outside this zoo): its schedule, data and lineage are kept, its parent resolved against this
    /// zoo (<see cref="ResolveParent"/>); without it the file itself is the parent.</summary>
    public ModelVersion Import(string weightsFile, string name, string? sizeModelFile = null, string? notes = null, ModelVersion? trained = null)
    {
        if (!File.Exists(weightsFile)) throw new ZooException($"{weightsFile}: file not found; give a Cellpose .pth");
        SizeModel? size = null;
        if (sizeModelFile is not null)
        {
            try { size = SizeModel.Load(sizeModelFile); }
            catch (WeightsCompanionFileException ex) { throw new ZooException(ex.Message, ex); }
            int styleLength = Inspect(weightsFile).Widths[4];
            if (size.StyleLength != styleLength)
                throw new ZooException($"{sizeModelFile}: the size model takes styles of length {size.StyleLength}, {weightsFile} makes {styleLength}; pass the size model trained with these weights");
        }
        var info = trained is null
            ? new ModelVersion { Parent = ModelParent.FromFile(weightsFile, Root), Notes = notes ?? $"imported from {Path.GetFileName(weightsFile)}" }
            : trained with { Parent = ResolveParent(trained.Parent), Notes = notes ?? trained.Notes };
        var version = AddVersion(name, weightsFile, info);
        if (size is not null)
            version = SetSizeModel(name, size, new SizeModelInfo { Source = ModelParent.FromFile(sizeModelFile!, Root).File ?? sizeModelFile!, Created = DateTimeOffset.UtcNow });
        return version;
    }

    /// <summary>Copies a version's weights to <paramref name="target"/> (PyTorch format, as stored) and its size model
    /// beside it as TARGET_size.npy in Cellpose's format (which AcqSeg reads too); returns the files written.</summary>
    public IReadOnlyList<string> Export(string name, string target, int? version = null)
    {
        string weights = WeightsPath(name, version);
        string full = Path.GetFullPath(target);
        string? dir = Path.GetDirectoryName(full);
        if (dir is not null && !Directory.Exists(dir)) throw new ZooException($"{target}: folder {dir} does not exist; create it first");
        File.Copy(weights, full, overwrite: true);
        var written = new List<string> { full };
        if (SizeModelPath(name, version) is { } size)
        {
            string sizeTarget = Path.Combine(dir ?? ".", Path.GetFileNameWithoutExtension(full) + "_size.npy");
            try { CellposeSizeFile.Write(sizeTarget, SizeModel.Load(size)); }
            catch (WeightsCompanionFileException ex) { throw new ZooException(ex.Message, ex); }
            written.Add(sizeTarget);
        }
        return written;
    }

    /// <summary>Stores a size model for the current version (size.json) and records it in the manifest; the recorded
    /// pass settings are the size model's own, so the manifest cannot disagree with size.json.</summary>
    public ModelVersion SetSizeModel(string name, SizeModel size, SizeModelInfo info)
    {
        var manifest = Manifest(name);
        int styleLength = Inspect(WeightsPath(name)).Widths[4];
        if (size.StyleLength != styleLength)
            throw new ZooException($"the size model takes styles of length {size.StyleLength}, model '{name}' makes {styleLength}");
        size.Save(Path.Combine(Folder(name), SizeFile));
        return Update(manifest, manifest.Current, v => v with { SizeModel = info.WithPassesOf(size) });
    }

    /// <summary>
    /// Stores the mask thresholds chosen for the current version's weights (thresholds.json beside model.pth, which
    /// `segment`, `zoo eval` and the segment worker run at when not given thresholds of their own) and records them in
    /// the manifest. The AP recorded for the version was measured at the old thresholds: score it again (`zoo eval`).
    /// </summary>
    public ModelVersion SetThresholds(string name, MaskThresholds thresholds)
    {
        ArgumentNullException.ThrowIfNull(thresholds);
        var manifest = Manifest(name);
        if (thresholds.Problem() is { } problem) throw new ZooException(problem);
        thresholds.Save(Path.Combine(Folder(name), MaskThresholds.ZooFile));
        return Update(manifest, manifest.Current, v => v with { Thresholds = thresholds });
    }

    /// <summary>
    /// Sets how many refining passes the current version's size model runs (1 = Cellpose), and when given the fraction
    /// below which they stop, without refitting it. The AP recorded for the version was measured with the old
    /// setting: score it again (`zoo eval`).
    /// </summary>
    public ModelVersion SetRefinePasses(string name, int passes, double? settledChange = null)
    {
        var manifest = Manifest(name);
        string path = SizeModelPath(name)
            ?? throw new ZooException($"model '{name}' has no size model; fit one with `acqseg zoo train-size {name} --dir DIR` first");
        SizeModel size;
        try { size = SizeModel.Load(path).WithRefinePasses(passes, settledChange); }
        catch (WeightsCompanionFileException ex) { throw new ZooException(ex.Message, ex); }
        catch (ArgumentOutOfRangeException ex) when (ex.ParamName == "settledChange") { throw new ZooException(string.Create(CultureInfo.InvariantCulture, $"settled change {settledChange}: {SizeModel.SettleRange}")); }
        catch (ArgumentOutOfRangeException) { throw new ZooException($"refine passes {passes} must be 1 (Cellpose) to {SizeModel.MaxRefinePasses}"); }
        size.Save(path);
        return Update(manifest, manifest.Current, v => v with
        {
            SizeModel = (v.SizeModel ?? new SizeModelInfo { Source = SizeFile, Created = DateTimeOffset.UtcNow }).WithPassesOf(size),
        });
    }

    /// <summary>Records AP@0.5 of a version (default: current) on an evaluation folder: as users run it (exact path, at
    /// the size model's estimate), with every image at its ground-truth diameter (<paramref name="atTrueDiameter"/>), or
    /// on the fast path (<paramref name="fastPath"/>); the three are kept apart.</summary>
    public ModelVersion RecordAp(string name, string folder, double ap, int? version = null, bool atTrueDiameter = false, bool fastPath = false)
    {
        if (atTrueDiameter && fastPath) throw new ZooException("AP on the fast path is recorded at the size model's estimate only (as the service runs)");
        var manifest = Manifest(name);
        return Update(manifest, version ?? manifest.Current, v =>
        {
            var aps = new SortedDictionary<string, double>(atTrueDiameter ? v.ApTrueDiameter : fastPath ? v.ApFast : v.Ap, StringComparer.Ordinal)
            {
                [folder] = Math.Round(ap, 4),
            };
            return atTrueDiameter ? v with { ApTrueDiameter = aps } : fastPath ? v with { ApFast = aps } : v with { Ap = aps };
        });
    }

    /// <summary>Sets (or replaces, by label) an accuracy target of NAME; the card states it against the current version.</summary>
    public ModelManifest SetTarget(string name, AccuracyTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (string.IsNullOrWhiteSpace(target.Label)) throw new ZooException("a target needs a label, e.g. 'fluorescence'");
        if (target.Folders.Length == 0 || target.Folders.Any(string.IsNullOrWhiteSpace))
            throw new ZooException($"target '{target.Label}' needs at least one evaluation folder name (as `zoo eval` records it)");
        if (target.Folders.Distinct(StringComparer.Ordinal).Count() != target.Folders.Length)
            throw new ZooException($"target '{target.Label}' names a folder twice");
        if (!(target.MinAp is > 0 and <= 1)) throw new ZooException(string.Create(CultureInfo.InvariantCulture, $"target '{target.Label}': AP {target.MinAp} must lie in (0, 1]"));
        var manifest = Manifest(name);
        var targets = (manifest.Targets ?? []).Where(t => t.Label != target.Label).Append(target).ToList();
        var updated = manifest with { Targets = targets };
        Save(updated);
        return updated;
    }

    /// <summary>Removes NAME's target with this label.</summary>
    public ModelManifest RemoveTarget(string name, string label)
    {
        var manifest = Manifest(name);
        if (manifest.Targets?.Any(t => t.Label == label) != true)
            throw new ZooException($"model '{name}' has no target '{label}'{(manifest.Targets is { Count: > 0 } ts ? "; targets: " + string.Join(", ", ts.Select(t => t.Label)) : "")}");
        var rest = manifest.Targets.Where(t => t.Label != label).ToList();
        var updated = manifest with { Targets = rest.Count == 0 ? null : rest };
        Save(updated);
        return updated;
    }

    /// <summary>
    /// The licences a version carries: those of its own training data, then, up its lineage, every ancestor's own
    /// (a version fine-tuned from one trained on non-commercial data is non-commercial too). A parent outside the zoo
    /// (a .pth file) ends the walk.
    /// </summary>
    public IReadOnlyList<CarriedLicence> CarriedLicences(string name, int? version = null)
    {
        var manifest = Manifest(name);
        return CarriedLicences(manifest, version ?? manifest.Current);
    }

    private List<CarriedLicence> CarriedLicences(ModelManifest manifest, int version)
    {
        var carried = new List<CarriedLicence>();
        var seen = new HashSet<(string, int)>();
        var (m, v, via) = (manifest, manifest.Find(version), (string?)null);
        while (v is not null && seen.Add((m.Name, v.Version)))
        {
            foreach (var l in v.Licences ?? [])
                if (!carried.Any(c => c.Licence.Licence == l.Licence && c.Licence.Data == l.Data)) carried.Add(new CarriedLicence(l, via));
            var parent = ResolveParent(v.Parent);
            if (parent is not { Model: { } pm, Version: { } pv }) break;
            try { m = pm == m.Name ? m : Manifest(pm); }
            catch (ZooException) { break; } // a parent model not in this zoo
            v = m.Find(pv);
            via = string.Create(CultureInfo.InvariantCulture, $"{pm} v{pv}");
        }
        return carried;
    }

    /// <summary>Records (or replaces, by data) a licence of a version's own training data; its descendants carry it too.</summary>
    public ModelVersion RecordLicence(string name, DataLicence licence, int? version = null)
    {
        ArgumentNullException.ThrowIfNull(licence);
        if (string.IsNullOrWhiteSpace(licence.Data)) throw new ZooException("a data licence needs the data it covers, e.g. the training folder");
        if (licence.Licence != DataLicences.Unknown) DataLicences.Parse(licence.Licence);
        var manifest = Manifest(name);
        var updated = Update(manifest, version ?? manifest.Current, v => v with
        {
            Licences = [.. (v.Licences ?? []).Where(l => l.Data != licence.Data), licence],
        });
        // Descendants in other models carry it too: their cards are rewritten.
        foreach (string other in Names().Where(n => n != name)) WriteCard(other);
        return updated;
    }

    public void SaveStyles(string name, StyleSet styles)
    {
        ArgumentNullException.ThrowIfNull(styles);
        if (!Contains(name)) throw new ZooException(NotFound(name));
        styles.Save(StylesPath(name));
        WriteCard(name, Manifest(name));
    }

    public StyleSet? LoadStyles(string name)
    {
        string path = StylesPath(name);
        return File.Exists(path) ? StyleSet.Load(path) : null;
    }

    /// <summary>Rewrites card.md from the manifest.</summary>
    public void WriteCard(string name) => WriteCard(name, Manifest(name));

    private void WriteCard(string name, ModelManifest manifest)
    {
        string folder = Folder(name);
        var facts = new ModelCardFacts(
            WeightsBytes: File.Exists(Path.Combine(folder, WeightsFile)) ? new FileInfo(Path.Combine(folder, WeightsFile)).Length : 0,
            HasSizeModel: File.Exists(Path.Combine(folder, SizeFile)),
            Styles: File.Exists(StylesPath(name)) ? StyleSet.Load(StylesPath(name)) : null)
        {
            Licences = manifest.Versions.Count == 0 ? [] : CarriedLicences(manifest, manifest.Current),
        };
        File.WriteAllText(Path.Combine(folder, CardFile), ModelCard.Render(manifest, facts));
    }

    private ModelVersion Update(ModelManifest manifest, int version, Func<ModelVersion, ModelVersion> change)
    {
        var v = manifest.Find(version) ?? throw new ZooException($"model '{manifest.Name}' has no version {version}");
        var updated = change(v);
        Save(manifest with { Versions = manifest.Versions.Select(x => x.Version == version ? updated : x).ToList() });
        return updated;
    }

    private void Save(ModelManifest manifest)
    {
        string folder = Folder(manifest.Name);
        Directory.CreateDirectory(folder);
        manifest.Write(Path.Combine(folder, ModelManifest.FileName));
        WriteCard(manifest.Name, manifest);
    }

    private string NotFound(string name)
    {
        var names = Names();
        return $"no model '{name}' in {Root} ({(names.Count == 0 ? "the zoo is empty" : "models: " + string.Join(", ", names))})";
    }

    /// <summary>Widths and diameters of a weight file; a file that does not load as a CPnet is refused.</summary>
    private (int[] Widths, double DiamMean, double DiamLabels) Inspect(string path)
    {
        if (weights is null)
            throw new ZooException($"{Root} was opened to read only: reading the widths of '{path}' needs the engine's weights inspector");
        var facts = weights.Inspect(path);
        return (facts.Widths, Math.Round(facts.DiamMean, 4), Math.Round(facts.DiamLabels, 4));
    }

    /// <summary>Version 1 of a folder that has weights but no manifest, from the weights and training/run.json.</summary>
    private ModelVersion DescribeUnregistered(string name)
    {
        string folder = Folder(name);
        string weights = Path.Combine(folder, WeightsFile);
        var (widths, diamMean, diamLabels) = Inspect(weights);
        var v = new ModelVersion
        {
            Version = 1,
            Created = new DateTimeOffset(File.GetLastWriteTimeUtc(weights), TimeSpan.Zero),
            Widths = widths,
            DiamMean = diamMean,
            DiamLabels = diamLabels,
            Notes = "registered from an existing model folder",
        };
        string run = Path.Combine(folder, "training", "run.json");
        if (!File.Exists(run)) return v;
        try
        {
            if (JsonNode.Parse(File.ReadAllText(run)) is not JsonObject o) return v;
            return v with
            {
                Parent = ParentFromPretrained(o["pretrained"]?.GetValue<string>()),
                Schedule = o["schedule"]?.GetValue<string>(),
                Epochs = o["epochs"]?.GetValue<int>(),
                TrainImages = o["train_images"]?.GetValue<int>(),
                TrainRois = o["train_rois"]?.GetValue<int>(),
                WallSeconds = o["wall_seconds_all_runs"]?.GetValue<double>(),
                ImagesPerSecond = o["images_per_second"]?.GetValue<double>(),
                Created = o["finished"] is JsonValue f && f.TryGetValue(out DateTimeOffset t) ? t : v.Created,
                Notes = "registered from training/run.json",
            };
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidOperationException or FormatException)
        {
            return v with { Notes = $"training/run.json unreadable ({ex.Message})" };
        }
    }

    /// <summary>
    /// A parent known only as a file becomes the zoo version whose weights have the same SHA-256, when there is one: a
    /// run fine-tuned from `models/NAME/model.pth` elsewhere keeps its lineage when its weights are imported here.
    /// </summary>
    public ModelParent? ResolveParent(ModelParent? parent)
    {
        if (parent is not { Model: null, Sha256: { } sha }) return parent;
        foreach (string name in Names())
            foreach (var v in Manifest(name).Versions)
            {
                string path;
                try { path = WeightsPath(name, v.Version); }
                catch (ZooException) { continue; } // a superseded version whose weights are not on this machine
                if (ModelSuggester.Sha256(path) == sha)
                    return ModelParent.FromModel(name, v.Version);
            }
        return parent;
    }

    /// <summary>Lineage from a `--pretrained` value: none, a .pth path, or a zoo name (at its current version).</summary>
    public ModelParent? ParentFromPretrained(string? pretrained)
    {
        if (string.IsNullOrEmpty(pretrained) || pretrained.Equals("none", StringComparison.OrdinalIgnoreCase)) return null;
        bool looksLikePath = pretrained.Contains('/') || pretrained.Contains('\\') || pretrained.EndsWith(".pth", StringComparison.OrdinalIgnoreCase);
        if (!looksLikePath)
        {
            try
            {
                if (Contains(pretrained)) return ModelParent.FromModel(pretrained, Manifest(pretrained).Current);
            }
            catch (ZooException)
            {
                return new ModelParent { Model = pretrained };
            }
        }
        string full = Path.GetFullPath(pretrained);
        // A zoo model's own model.pth given as a path is that model's current version.
        if (Path.GetFileName(full) == WeightsFile && Path.GetDirectoryName(Path.GetDirectoryName(full)) == Root
            && Path.GetFileName(Path.GetDirectoryName(full)) is { } owner && Contains(owner))
            return ModelParent.FromModel(owner, Manifest(owner).Current);
        return File.Exists(full) ? ModelParent.FromFile(full, Root) : new ModelParent { File = full };
    }
}
