import OutpostCLI
import OutpostStore

// The whole tool lives in OutpostCLI, so tests run it in-process; this only wires the process.
var environment: [String: String] = [:]
for name in ["OUTPOST_NOW", "NO_COLOR"] {
  if let value = Platform.environment(name) { environment[name] = value }
}
let status = Tool.run(
  Array(CommandLine.arguments.dropFirst()), console: .standard(), environment: environment)
Platform.exitProcess(status)
