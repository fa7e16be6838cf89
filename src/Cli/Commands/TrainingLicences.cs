using AcqSeg.Models.Zoo;

namespace AcqSeg.Cli.Commands;

/// <summary>
/// The licence of each training folder of a `train` run: `--licence DIR=ID` for that folder, else the folder's data
/// README (<see cref="DataLicences.FromReadme"/>), else a bare `--licence ID`, else unknown (said on stderr).
/// </summary>
public static class TrainingLicences
{
    public static IReadOnlyList<DataLicence> Resolve(IReadOnlyList<string> folders, IReadOnlyList<string> given, TextWriter warnings)
    {
        ArgumentNullException.ThrowIfNull(folders);
        ArgumentNullException.ThrowIfNull(given);
        ArgumentNullException.ThrowIfNull(warnings);
        var perFolder = new Dictionary<string, string>(StringComparer.Ordinal);
        string? everyFolder = null;
        foreach (string g in given)
        {
            int eq = g.LastIndexOf('=');
            string id = eq < 0 ? g : g[(eq + 1)..];
            KnownLicence known;
            try { known = DataLicences.Parse(id); }
            catch (ZooException ex) { throw new UsageException($"--licence '{g}': {ex.Message}"); }
            if (eq < 0)
            {
                if (everyFolder is not null) throw new UsageException($"--licence '{g}': a licence for every folder was given twice ({everyFolder}); use DIR=ID for one folder");
                everyFolder = known.Id;
                continue;
            }
            string dir = g[..eq];
            if (!folders.Any(f => SameFolder(f, dir)))
                throw new UsageException($"--licence '{g}': '{dir}' is not one of the --dir folders ({string.Join(", ", folders)})");
            perFolder[Key(dir)] = known.Id;
        }

        var result = new List<DataLicence>();
        foreach (string folder in folders.Distinct(StringComparer.Ordinal))
        {
            DataLicence licence;
            if (perFolder.TryGetValue(Key(folder), out string? id))
                licence = new DataLicence { Licence = id, Data = folder, Source = "--licence" };
            else
            {
                (KnownLicence Licence, string Readme)? stated;
                try { stated = DataLicences.FromReadme(folder); }
                catch (ZooException ex) { throw new UsageException(ex.Message); }
                if (stated is { } s) licence = new DataLicence { Licence = s.Licence.Id, Data = folder, Source = Path.GetRelativePath(Directory.GetCurrentDirectory(), s.Readme) };
                else if (everyFolder is not null) licence = new DataLicence { Licence = everyFolder, Data = folder, Source = "--licence" };
                else
                {
                    warnings.WriteLine($"acqseg train: no licence for --dir '{folder}' (no README.md stating one beside it or above it); recorded as unknown: pass --licence {folder}=ID to record it");
                    licence = new DataLicence { Licence = DataLicences.Unknown, Data = folder };
                }
            }
            result.Add(licence);
        }
        return result;
    }

    private static string Key(string folder) => Path.GetFullPath(folder).TrimEnd('/');

    private static bool SameFolder(string a, string b) => string.Equals(Key(a), Key(b), StringComparison.Ordinal);
}
