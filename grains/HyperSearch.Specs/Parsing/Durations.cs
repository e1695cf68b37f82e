using System.Globalization;
using System.Text.RegularExpressions;

namespace HyperSearch.Specs;

/// <summary>Durations as people write them in specs: 90, 90s, 20m, 1h30m, 2d, or 01:30:00.</summary>
public static partial class Durations
{
    public static bool TryParse(string text, out TimeSpan duration)
    {
        text = text.Trim();
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            duration = TimeSpan.FromSeconds(seconds);
            return seconds > 0;
        }

        var match = Pattern().Match(text);
        if (match.Success && match.Length > 0)
        {
            duration = TimeSpan.Zero;
            foreach (Capture capture in match.Groups["part"].Captures)
            {
                var unit = capture.Value[^1];
                var value = double.Parse(capture.Value[..^1], CultureInfo.InvariantCulture);
                duration += unit switch
                {
                    'd' => TimeSpan.FromDays(value),
                    'h' => TimeSpan.FromHours(value),
                    'm' => TimeSpan.FromMinutes(value),
                    _ => TimeSpan.FromSeconds(value),
                };
            }

            return duration > TimeSpan.Zero;
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out duration) && duration > TimeSpan.Zero;
    }

    [GeneratedRegex(@"^(?<part>\d+(\.\d+)?[dhms])+$")]
    private static partial Regex Pattern();
}
