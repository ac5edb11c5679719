// swift-tools-version:6.0
import PackageDescription

let package = Package(
  name: "SAENotebook",
  products: [
    .library(name: "SAEKit", targets: ["SAEKit"]),
    .executable(name: "saekit-bench", targets: ["saekit-bench"]),
  ],
  targets: [
    // MARK: - Public API

    /// Numerics, sparse autoencoders, training, metrics and data files.
    .target(name: "SAEKit", dependencies: ["CBLAS"]),

    // MARK: - Implementation details

    /// System library shim over OpenBLAS's `cblas.h` and LAPACKE. Only SAEKit imports it.
    .systemLibrary(
      name: "CBLAS",
      path: "Sources/CBLAS",
      providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]
    ),

    // MARK: - Executables

    /// Release-built training benchmark (`make bench`).
    .executableTarget(name: "saekit-bench", dependencies: ["SAEKit"]),

    // MARK: - Unit test bundles

    .testTarget(
      name: "SAEKitTests",
      dependencies: ["SAEKit"],
      resources: [.copy("Fixtures")]
    ),
  ]
)
