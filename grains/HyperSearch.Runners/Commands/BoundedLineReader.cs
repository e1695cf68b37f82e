using System.Text;

namespace HyperSearch.Runners;

/// <summary>Reads lines of a trial program's output keeping at most <paramref name="maxChars"/> characters of each:
/// a program that writes gigabytes without a newline costs the silo a bounded buffer, not its memory. The rest of
/// an over-long line is read and dropped.</summary>
internal sealed class BoundedLineReader(TextReader reader, int maxChars)
{
    private readonly char[] _buffer = new char[4096];
    private int _position;
    private int _length;

    /// <summary>The next line without its terminator (at most <c>maxChars</c> characters), or null at the end.</summary>
    public async Task<string?> ReadLineAsync()
    {
        var line = new StringBuilder();
        var any = false;
        while (true)
        {
            if (_position == _length)
            {
                _length = await reader.ReadAsync(_buffer.AsMemory());
                _position = 0;
                if (_length == 0)
                {
                    return any ? line.ToString() : null;
                }
            }

            any = true;
            var c = _buffer[_position++];
            if (c == '\n')
            {
                return line.ToString();
            }

            if (c != '\r' && line.Length < maxChars)
            {
                line.Append(c);
            }
        }
    }
}
