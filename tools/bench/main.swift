// outpost-bench: measures the store, the JSON codec, merge and KPIs on generated data.
// See tools/bench/README.md.
import Foundation
import OutpostCodec

/// The usage text.
let usage = """
  usage: outpost-bench store [--records N] [--chunk ROWS]
         outpost-bench json  [--mib M] [--repeat R]
         outpost-bench merge [--changes N] [--repo-records M] [--conflict-rate F]
                             [--bundle-sizes N,N,...] [--repo-sizes M,M,...] [--branches B]
         outpost-bench kpi   [--records N] [--sqlite PATH] [--sql-dir DIR]
         outpost-bench scale [--records N] [--changes K] [--sqlite PATH] [--git PATH]
         outpost-bench deflate [--mib M] [--repeat R]
  common options: --seed S  --out FILE  --pretty  --work DIR  --keep
  Counts accept 1000, 1_000, 10k, 1M. The result is one JSON document on standard output.
  """

/// The subcommands and their runners.
let benchmarks: [String: (Options) throws -> JSONValue] = [
  "store": StoreBench.run,
  "json": JSONBench.run,
  "merge": MergeBench.run,
  "kpi": KPIBench.run,
  "scale": ScaleBench.run,
  "deflate": DeflateBench.run,
]

/// The phases a child process runs (`outpost-bench phase NAME ...`).
let phases: [String: Phase.Body] = [
  "store-generate": StoreBench.generate,
  "store-import": StoreBench.importFiles,
  "store-export": StoreBench.exportCollections,
  "json-generate": JSONBench.generate,
  "json-engine": JSONBench.measure,
  "merge-seed": MergeBench.seed,
  "merge-submit": MergeBench.submit,
  "merge-apply": MergeBench.apply,
  "merge-reply": MergeBench.reply,
  "merge-edit": MergeBench.edit,
  "merge-breakdown": MergeBench.breakdown,
  "kpi-generate": KPIBench.generate,
  "kpi-seed": KPIBench.seed,
  "kpi-read": KPIBench.readAll,
  "kpi-outpost": KPIBench.compute,
  "kpi-sqlite-load": KPIBench.sqliteLoad,
  "kpi-sqlite-query": KPIBench.sqliteQuery,
  "kpi-compare": KPIBench.compare,
  "scale-generate": ScaleBench.generate,
  "scale-init": ScaleBench.initialize,
  "scale-import": ScaleBench.importFiles,
  "scale-base-sync": ScaleBench.baseSync,
  "scale-command": ScaleBench.command,
  "scale-edit": ScaleBench.edit,
  "scale-sqlite": ScaleBench.sqliteOperation,
  "scale-git": ScaleBench.gitBundle,
  "deflate-measure": DeflateBench.measure,
]

/// Runs the command line and returns the exit status.
@MainActor
func main() -> Int32 {
  do {
    let options = try Options(Array(CommandLine.arguments.dropFirst()))
    if options.command == "phase" {
      guard let name = options.positionals.first, let body = phases[name] else {
        throw UsageError("unknown phase '\(options.positionals.first ?? "")'")
      }
      try Phase.serve(options, body)
      return 0
    }
    if options.command == "help" || options.flags.contains("help") {
      print(usage)
      return 0
    }
    guard let benchmark = benchmarks[options.command] else {
      throw UsageError("unknown subcommand '\(options.command)'")
    }
    let document = try benchmark(options)
    try Report.emit(document, to: options.string("out"), pretty: options.flags.contains("pretty"))
    return 0
  } catch let error as UsageError {
    FileHandle.standardError.write(Data("error: \(error)\n\(usage)\n".utf8))
    return 64
  } catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    return 1
  }
}

exit(main())
