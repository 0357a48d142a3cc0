import OutpostCLITestSupport
import OutpostTestSupport
import Testing

/// Runs `outpost` in `temp` and expects exit `status`, naming the command and its standard
/// error when it differs.
@discardableResult
func run(
  _ arguments: [String], _ temp: TemporaryDirectory, status: Int32 = 0,
  sourceLocation: SourceLocation = #_sourceLocation
) -> RunResult {
  let result = outpost(arguments, in: temp.path)
  #expect(
    result.status == status, "\(arguments.joined(separator: " ")): \(result.errors)",
    sourceLocation: sourceLocation)
  return result
}
