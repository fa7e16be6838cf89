// Makes a shared library load on a system whose libstdc++ lacks one symbol version it asks for.
//
// TorchSharp's libLibTorchSharp.so is linked against GLIBCXX_3.4.32 (GCC 13), which Debian 12's libstdc++ (GCC 12)
// does not define. The only symbol bound to that version is std::ios_base_library_init(), which older libstdc++
// runs implicitly, so the dependency can be relaxed: mark the version need weak (VER_FLG_WEAK in .gnu.version_r)
// and bind the symbol to the global version (index 1 in .gnu.version). The dynamic loader then accepts the library.
// Used by the build (Directory.Build.targets) and by the tests, so it depends on nothing but the BCL.
#nullable enable
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace AcqSeg.Build
{
    public enum ElfPatchOutcome { Patched, AlreadyPatched, VersionNotNeeded, NotElf64 }

    public static class ElfWeakVersion
    {
        public const ushort VerFlgWeak = 0x2;
        private const uint ShtDynsym = 11;
        private const uint ShtGnuVerneed = 0x6ffffffe;
        private const uint ShtGnuVersym = 0x6fffffff;

        /// <summary>True when the file (a libstdc++) defines the version string, e.g. GLIBCXX_3.4.32.</summary>
        public static bool LibraryDefinesVersion(string libraryPath, string version)
        {
            byte[] bytes = File.ReadAllBytes(libraryPath);
            byte[] needle = Encoding.ASCII.GetBytes(version + "\0");
            return IndexOf(bytes, needle) >= 0;
        }

        /// <summary>The system's libstdc++.so.6, or null when none of the usual places has it.</summary>
        public static string? FindSystemLibStdCxx()
        {
            string[] candidates =
            {
                "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib/aarch64-linux-gnu/libstdc++.so.6",
                "/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6",
            };
            foreach (string c in candidates)
            {
                if (File.Exists(c)) return c;
            }
            return null;
        }

        /// <summary>Inspects the library: which versions it needs and whether each need is weak.</summary>
        public static IReadOnlyList<(string File, string Version, ushort Flags, ushort Index)> ReadVersionNeeds(byte[] elf)
        {
            var result = new List<(string, string, ushort, ushort)>();
            if (!IsElf64Le(elf)) return result;
            var s = Sections(elf);
            var verneed = s.Find(x => x.Type == ShtGnuVerneed);
            if (verneed.Size == 0) return result;
            var strtab = s[(int)verneed.Link];
            WalkVerneed(elf, verneed, strtab, (file, aux) =>
            {
                string name = CString(elf, strtab.Offset + U32(elf, aux + 8));
                result.Add((file, name, U16(elf, aux + 4), U16(elf, aux + 6)));
            });
            return result;
        }

        /// <summary>Marks the need for <paramref name="version"/> weak and rebinds its symbols to the global version.</summary>
        public static ElfPatchOutcome Patch(byte[] elf, string version)
        {
            if (!IsElf64Le(elf)) return ElfPatchOutcome.NotElf64;
            var s = Sections(elf);
            var verneed = s.Find(x => x.Type == ShtGnuVerneed);
            var versym = s.Find(x => x.Type == ShtGnuVersym);
            if (verneed.Size == 0 || versym.Size == 0) return ElfPatchOutcome.VersionNotNeeded;
            var strtab = s[(int)verneed.Link];

            int? index = null;
            bool changed = false;
            WalkVerneed(elf, verneed, strtab, (_, aux) =>
            {
                if (CString(elf, strtab.Offset + U32(elf, aux + 8)) != version) return;
                index = U16(elf, aux + 6);
                ushort flags = U16(elf, aux + 4);
                if ((flags & VerFlgWeak) == 0)
                {
                    W16(elf, aux + 4, (ushort)(flags | VerFlgWeak));
                    changed = true;
                }
            });
            if (index is null) return ElfPatchOutcome.VersionNotNeeded;

            for (long p = versym.Offset; p + 2 <= versym.Offset + versym.Size; p += 2)
            {
                if ((U16(elf, p) & 0x7fff) == index.Value)
                {
                    W16(elf, p, 1); // VER_NDX_GLOBAL
                    changed = true;
                }
            }
            return changed ? ElfPatchOutcome.Patched : ElfPatchOutcome.AlreadyPatched;
        }

        /// <summary>Patches the file in place; writes only when something changed.</summary>
        public static ElfPatchOutcome PatchFile(string path, string version)
        {
            byte[] elf = File.ReadAllBytes(path);
            var outcome = Patch(elf, version);
            if (outcome == ElfPatchOutcome.Patched)
            {
                string tmp = path + ".weakpatch.tmp";
                File.WriteAllBytes(tmp, elf);
                File.Delete(path); // the build output's copy; a fresh copy is patched again
                File.Move(tmp, path);
            }
            return outcome;
        }

        private readonly struct Section
        {
            public Section(uint type, long offset, long size, uint link) { Type = type; Offset = offset; Size = size; Link = link; }
            public uint Type { get; }
            public long Offset { get; }
            public long Size { get; }
            public uint Link { get; }
        }

        private static bool IsElf64Le(byte[] b) =>
            b.Length > 64 && b[0] == 0x7f && b[1] == (byte)'E' && b[2] == (byte)'L' && b[3] == (byte)'F' && b[4] == 2 && b[5] == 1;

        private static List<Section> Sections(byte[] b)
        {
            long shoff = (long)U64(b, 0x28);
            int shentsize = U16(b, 0x3a), shnum = U16(b, 0x3c);
            var list = new List<Section>(shnum);
            for (int i = 0; i < shnum; i++)
            {
                long h = shoff + (long)i * shentsize;
                if (h + 64 > b.Length) throw new InvalidDataException("ELF section header table runs past the end of the file");
                list.Add(new Section(U32(b, h + 4), (long)U64(b, h + 0x18), (long)U64(b, h + 0x20), U32(b, h + 0x28)));
            }
            return list;
        }

        private static void WalkVerneed(byte[] b, Section verneed, Section strtab, Action<string, long> onAux)
        {
            long vn = verneed.Offset;
            while (true)
            {
                ushort cnt = U16(b, vn + 2);
                string file = CString(b, strtab.Offset + U32(b, vn + 4));
                long aux = vn + U32(b, vn + 8);
                for (int i = 0; i < cnt; i++)
                {
                    onAux(file, aux);
                    uint nextAux = U32(b, aux + 12);
                    if (nextAux == 0) break;
                    aux += nextAux;
                }
                uint next = U32(b, vn + 12);
                if (next == 0) break;
                vn += next;
            }
        }

        private static string CString(byte[] b, long at)
        {
            long end = at;
            while (end < b.Length && b[end] != 0) end++;
            return Encoding.ASCII.GetString(b, (int)at, (int)(end - at));
        }

        private static int IndexOf(byte[] hay, byte[] needle)
        {
            // Compiled by MSBuild's inline task factory against netstandard: no spans.
            for (int i = 0; i + needle.Length <= hay.Length; i++)
            {
                int j = 0;
                while (j < needle.Length && hay[i + j] == needle[j]) j++;
                if (j == needle.Length) return i;
            }
            return -1;
        }

        private static ushort U16(byte[] b, long o) => BitConverter.ToUInt16(b, (int)o);
        private static uint U32(byte[] b, long o) => BitConverter.ToUInt32(b, (int)o);
        private static ulong U64(byte[] b, long o) => BitConverter.ToUInt64(b, (int)o);
        private static void W16(byte[] b, long o, ushort v) { b[o] = (byte)v; b[o + 1] = (byte)(v >> 8); }
    }

#if !ACQSEG_ELF_NO_TASK
    /// <summary>MSBuild task: patches each given library when the system libstdc++ lacks <see cref="Version"/>.</summary>
    public class PatchWeakGlibcxx : Microsoft.Build.Utilities.Task
    {
        [Microsoft.Build.Framework.Required]
        public Microsoft.Build.Framework.ITaskItem[] Libraries { get; set; } = Array.Empty<Microsoft.Build.Framework.ITaskItem>();

        public string Version { get; set; } = "GLIBCXX_3.4.32";

        public override bool Execute()
        {
            string? libstdcxx = ElfWeakVersion.FindSystemLibStdCxx();
            if (libstdcxx is null || ElfWeakVersion.LibraryDefinesVersion(libstdcxx, Version))
            {
                Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Low, "System libstdc++ provides {0}; no patch needed.", Version);
                return true;
            }
            foreach (var item in Libraries)
            {
                var outcome = ElfWeakVersion.PatchFile(item.ItemSpec, Version);
                Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Normal, "{0}: {1} need for {2} ({3} lacks it).", item.ItemSpec, outcome, Version, libstdcxx);
            }
            return !Log.HasLoggedErrors;
        }
    }
#endif
}
