using System.CommandLine;
using CausalPreference.Models;

namespace CausalPreference.Cli.Commands;

/// <summary><c>causalpo export</c>: a trained model folder as a Hugging Face folder (transformers, PEFT, vLLM load it).</summary>
public static class ExportCommand
{
    public static Command Build()
    {
        var cmd = new Command("export", "Write a Hugging Face folder from a model folder (from `sft` or `train`, or any model this tool reads): " +
            "config.json with model_type, model.safetensors in transformers' names and layouts, generation_config.json, the tokenizer files and a " +
            "model card (README.md) from the run's metadata. AutoModelForCausalLM.from_pretrained(OUT) loads it. A LoRA run exports with its " +
            "adapters merged, or with --adapter as a PEFT adapter folder (AutoPeftModelForCausalLM). Tokenizers: Hugging Face ones travel as " +
            "they are; the built-in byte tokenizer (tiny) is written as an exact byte-level tokenizer.json; GPT-2's built-in and llama2.c " +
            "tokenizers have no exact tokenizer.json form and need --tokenizer-from. The folder appears complete or not at all.");
        var model = Cli.Opt<string>("--model", "The model folder to export", required: true);
        var outDir = Cli.Opt<string>("--out", "The Hugging Face folder to write (new, or replaced with --force)", required: true);
        var adapter = Cli.Opt<bool>("--adapter", "For a LoRA run: write the adapter alone (adapter_config.json naming the base, adapter_model.safetensors) instead of the merged model");
        var baseModel = Cli.Opt<string?>("--base-model", "For --adapter: the base model to name (a Hugging Face folder or Hub name); default: the base the run was trained from");
        var tokenizerFrom = Cli.Opt<string?>("--tokenizer-from", "Ship the tokenizer files of this Hugging Face folder instead (for a tokenizer with no tokenizer.json form)");
        var force = Cli.Opt<bool>("--force", "Replace the output folder if it exists");
        foreach (var o in new Option[] { model, outDir, adapter, baseModel, tokenizerFrom, force }) cmd.Options.Add(o);
        Cli.SetAction(cmd, pr =>
        {
            var r = HfExport.Export(pr.GetValue(model)!, pr.GetValue(outDir)!, new HfExportOptions
            {
                Adapter = pr.GetValue(adapter), BaseModel = pr.GetValue(baseModel), TokenizerFrom = pr.GetValue(tokenizerFrom), Force = pr.GetValue(force),
            });
            foreach (var note in r.Notes) Console.Error.WriteLine("note: " + note);
            Console.WriteLine(r.Adapter
                ? $"wrote a PEFT LoRA adapter for base '{r.BaseModel}' to {r.OutDir}"
                : $"wrote a Hugging Face model{(r.MergedLora ? " (LoRA adapters merged)" : "")} to {r.OutDir}");
            return Cli.Ok;
        });
        return cmd;
    }
}
