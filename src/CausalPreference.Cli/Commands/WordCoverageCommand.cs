using System.CommandLine;
using System.Text.Json;
using CausalPreference.IO;
using CausalPreference.Text;

namespace CausalPreference.Cli.Commands;

/// <summary><c>causalpo word-coverage</c>: the share of generated words that occur in the training texts (<see cref="WordCoverage"/>).</summary>
public static class WordCoverageCommand
{
    public static Command Build()
    {
        var cmd = new Command("word-coverage", "The share of words in generated samples that occur in the training texts: does a model write words of its " +
            "training vocabulary or invent pseudo-words? A word is a maximal run of letters, digits and apostrophes, compared case-insensitively.");
        var samples = Cli.Opt<string>("--samples", "Generated texts: a table such as `generate --out` writes", required: true);
        var samplesCol = Cli.Opt("--samples-column", "Column of --samples holding the texts", "text");
        var data = Cli.Opt<string>("--data", "The training texts: a table (.csv, .tsv, .jsonl or .parquet)", required: true);
        var textCol = Cli.Opt("--text-column", "Column of --data holding the texts", "text");
        var outFile = Cli.Opt<string?>("--out", "Optional JSON file for the result (words, covered, share, the novel words with their counts)");
        foreach (var o in new Option[] { samples, samplesCol, data, textCol, outFile }) cmd.Options.Add(o);
        Cli.SetAction(cmd, pr =>
        {
            var generated = WordCoverage.ReadColumn(pr.GetValue(samples)!, pr.GetValue(samplesCol)!);
            var training = WordCoverage.ReadColumn(pr.GetValue(data)!, pr.GetValue(textCol)!);
            var r = WordCoverage.Measure(generated, training);
            Console.WriteLine(r.Summary());
            if (pr.GetValue(outFile) is { } path)
            {
                var json = JsonSerializer.Serialize(new
                {
                    samples = generated.Count, words = r.Words, covered = r.Covered, share = r.Words == 0 ? (double?)null : r.Share,
                    distinct_words = r.DistinctWords, novel = r.Novel.Select(n => new { word = n.Word, count = n.Count }),
                }, new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
                AtomicFile.WriteAllText(path, json);
            }
            return Cli.Ok;
        });
        return cmd;
    }
}
