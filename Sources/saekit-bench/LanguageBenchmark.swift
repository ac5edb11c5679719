import Foundation
import NotebookCore

/// `saekit-bench --language`: the cell interpreter against CPython on the same small programs
/// (a scalar loop, function calls, recursion, building an array), run in the same benchmark.
/// Each side's time is the median of 5 runs of the whole program (Swift: parse, check,
/// compile and run the cell; CPython: `exec` of the source, compiled once).
enum LanguageBenchmark {
  struct Program {
    var name: String
    var cell: String
    var python: String
  }

  static let programs: [Program] = [
    Program(name: "scalar loop (10⁶ additions)",
            cell: "var s = 0\nfor i in 0..<1_000_000 { s += i }\ns",
            python: "s = 0\nfor i in range(1_000_000):\n    s += i\n"),
    Program(name: "function calls (3·10⁵)",
            cell: "func add(_ a: Int, _ b: Int) -> Int { a + b }\nvar s = 0\nfor i in 0..<300_000 { s = add(s, i) }\ns",
            python: "def add(a, b):\n    return a + b\ns = 0\nfor i in range(300_000):\n    s = add(s, i)\n"),
    Program(name: "recursion (fib(22))",
            cell: "func fib(_ n: Int) -> Int { n < 2 ? n : fib(n - 1) + fib(n - 2) }\nfib(22)",
            python: "def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\nfib(22)\n"),
    Program(name: "array building (3·10⁵ appends, then a sum)",
            cell: "var xs: [Int] = []\nfor i in 0..<300_000 { xs.append(i * 2) }\nvar t = 0\nfor x in xs { t += x }\nt",
            python: "xs = []\nfor i in range(300_000):\n    xs.append(i * 2)\nt = 0\nfor x in xs:\n    t += x\n"),
  ]

  static func run() throws {
    print("Cell interpreter vs CPython (medians of 5 runs, same machine, same run)")
    print("program                                      cell (ms)   CPython (ms)   CPython/cell")
    for program in programs {
      var swift: [Double] = [], python: [Double] = []
      for _ in 0..<5 {
        swift.append(try timeCell(program.cell))
        python.append(try timePython(program.python))
      }
      let (s, p) = (median(swift), median(python))
      // Padded as characters (a %-44@ format pads nothing on Linux).
      let name = program.name + String(repeating: " ", count: max(0, 44 - program.name.count))
      print(name + String(format: " %9.1f   %12.1f   %11.2f×", s * 1000, p * 1000, p / s))
    }
  }

  static func timeCell(_ source: String) throws -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    let (program, syntax) = CellParser.parse(source, file: "bench.md", firstLine: 1)
    if let error = syntax.first { throw error }
    let interpreter = Interpreter(registry: .standard, context: RuntimeContext(seed: 0, baseDirectory: ""))
    _ = try interpreter.run(program)
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
  }

  /// Runs the program in `python3` and returns the seconds it reports for `exec` alone.
  static func timePython(_ source: String) throws -> Double {
    let script = """
      import sys, time
      code = compile(sys.stdin.read(), "bench", "exec")
      t = time.perf_counter(); exec(code, {}); print(time.perf_counter() - t)
      """
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script]
    let input = Pipe(), output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    try process.run()
    input.fileHandleForWriting.write(source.data(using: .utf8)!)
    try input.fileHandleForWriting.close()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0,
          let text = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines), let seconds = Double(text)
    else { throw BenchError.missing("python3 failed to run the peer program (is python3 on PATH?)") }
    return seconds
  }
}
