using System.Text;

namespace HyperSearch.Training.Tests;

/// <summary>
/// Just enough ELF64 reading to check what the build's patch did: the vna_flags of a version a library
/// needs (.gnu.version_r), and whether a library defines a version (.gnu.version_d).
/// </summary>
internal static class ElfVersions
{
    public const ushort Weak = 0x2;

    public static ushort? NeededVersionFlags(string path, string version)
    {
        var elf = File.ReadAllBytes(path);
        foreach (var (type, offset, link, info) in Sections(elf))
        {
            if (type != 0x6ffffffe) continue;
            long strtab = Sections(elf).ElementAt((int)link).Offset;
            long need = offset;
            for (uint i = 0; i < info; i++)
            {
                long aux = need + BitConverter.ToUInt32(elf, (int)need + 8);
                for (int j = 0; j < BitConverter.ToUInt16(elf, (int)need + 2); j++)
                {
                    if (Name(elf, strtab + BitConverter.ToUInt32(elf, (int)aux + 8)) == version) return BitConverter.ToUInt16(elf, (int)aux + 4);
                    aux += BitConverter.ToUInt32(elf, (int)aux + 12);
                }
                need += BitConverter.ToUInt32(elf, (int)need + 12);
            }
        }
        return null;
    }

    public static bool Defines(string path, string version)
    {
        var elf = File.ReadAllBytes(path);
        foreach (var (type, offset, link, info) in Sections(elf))
        {
            if (type != 0x6ffffffd) continue;
            long strtab = Sections(elf).ElementAt((int)link).Offset;
            long def = offset;
            for (uint i = 0; i < info; i++)
            {
                long aux = def + BitConverter.ToUInt32(elf, (int)def + 12);
                if (Name(elf, strtab + BitConverter.ToUInt32(elf, (int)aux)) == version) return true;
                def += BitConverter.ToUInt32(elf, (int)def + 16);
            }
        }
        return false;
    }

    private static IEnumerable<(uint Type, long Offset, uint Link, uint Info)> Sections(byte[] elf)
    {
        long shoff = (long)BitConverter.ToUInt64(elf, 0x28);
        int size = BitConverter.ToUInt16(elf, 0x3A), count = BitConverter.ToUInt16(elf, 0x3C);
        for (int i = 0; i < count; i++)
        {
            int h = (int)(shoff + (long)i * size);
            yield return (BitConverter.ToUInt32(elf, h + 4), (long)BitConverter.ToUInt64(elf, h + 0x18), BitConverter.ToUInt32(elf, h + 0x28), BitConverter.ToUInt32(elf, h + 0x2C));
        }
    }

    private static string Name(byte[] elf, long at) => Encoding.ASCII.GetString(elf, (int)at, Array.IndexOf(elf, (byte)0, (int)at) - (int)at);
}
