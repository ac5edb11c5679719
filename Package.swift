// swift-tools-version:6.0
import PackageDescription

let package = Package(
  name: "SAENotebook",
  products: [
    .library(name: "SAEKit", targets: ["SAEKit"]),
    .library(name: "NotebookCore", targets: ["NotebookCore"]),
    .executable(name: "notebook", targets: ["notebook"]),
    .executable(name: "saekit-bench", targets: ["saekit-bench"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
    .package(url: "https://github.com/JohnSundell/Ink", exact: "0.6.0"),
    .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
    .package(url: "https://github.com/swhitty/FlyingFox", exact: "0.27.1"),
  ],
  targets: [
    // MARK: - Public API

    /// Numerics, sparse autoencoders, training, metrics and data files.
    .target(name: "SAEKit", dependencies: ["CBLAS", "CVectorKernels", "CZlib"], exclude: ["README.md"]),

    /// Notebook documents, the cell language (lexer, parser, checker, interpreter),
    /// the builtin registry, figures (gnuplot) and HTML/JSON reports.
    .target(
      name: "NotebookCore",
      dependencies: [
        "SAEKit",
        .product(name: "Ink", package: "Ink"),
        .product(name: "Yams", package: "Yams"),
      ],
      // The cell interpreter touches class state (frames, the call depth) on every step;
      // release builds skip the run-time exclusivity checks there (debug builds keep them).
      swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]
    ),

    // MARK: - Implementation details

    /// System library shim over OpenBLAS's `cblas.h` and LAPACKE. Only SAEKit imports it.
    .systemLibrary(
      name: "CBLAS",
      path: "Sources/CBLAS",
      providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]
    ),

    /// System library shim over zlib (`.npz` members written by `np.savez_compressed`). Only SAEKit imports it.
    .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),

    /// The transformer's element-wise kernels (GELU, softmax) in C, each built for AVX-512,
    /// AVX2 and baseline x86-64 and chosen at load time. Optimised in debug builds too, so
    /// tests that run the model do not crawl. Only SAEKit imports it.
    .target(name: "CVectorKernels", path: "Sources/CVectorKernels", cSettings: [.unsafeFlags(["-O2", "-fno-math-errno"])]),

    // MARK: - Executables

    /// The `notebook` command: render, check, report, preview, clean, functions, diff.
    .executableTarget(
      name: "notebook",
      dependencies: [
        "NotebookCore",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "FlyingFox", package: "FlyingFox"),
        .product(name: "FlyingSocks", package: "FlyingFox"),
      ]
    ),

    /// `make fuzz`: generated programs, mutated notebooks and corrupt files against the built `notebook`.
    .executableTarget(
      name: "notebook-fuzz",
      dependencies: ["NotebookFuzzing", "SAEKit", .product(name: "ArgumentParser", package: "swift-argument-parser")]
    ),
    /// The fuzz inputs (programs from the registry's signatures, mutated notebooks, corrupt
    /// files), shared by `notebook-fuzz` and the seeded slice in the tests.
    .target(name: "NotebookFuzzing", dependencies: ["NotebookCore", "SAEKit"]),

    /// Release-built training benchmark (`make bench`).
    .executableTarget(name: "saekit-bench", dependencies: ["SAEKit", "NotebookCore"]),

    // MARK: - Unit test bundles

    .testTarget(
      name: "NotebookCoreTests",
      dependencies: ["NotebookCore", "NotebookFuzzing"],
      resources: [.copy("Fixtures")]
    ),
    /// End-to-end tests of the built `notebook` executable: exit codes, help text, trouble.
    .testTarget(
      name: "NotebookCLITests",
      dependencies: ["NotebookCore"],
      resources: [.copy("Fixtures")]
    ),
    .testTarget(
      name: "SAEKitTests",
      dependencies: ["SAEKit"],
      resources: [.copy("Fixtures")]
    ),
  ]
)
