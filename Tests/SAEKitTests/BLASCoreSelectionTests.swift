import Testing
@testable import SAEKit

@Suite struct BLASCoreSelectionTests {
  let sapphire: Set<String> = ["sse2", "avx", "avx2", "fma", "avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl", "avx512_bf16"]

  @Test func bestCoreTheFlagsSupport() {
    #expect(BLASCoreSelection.preferredCore(cpuFlags: sapphire) == "Cooperlake")
    #expect(BLASCoreSelection.preferredCore(cpuFlags: sapphire.subtracting(["avx512_bf16"])) == "SkylakeX")
    #expect(BLASCoreSelection.preferredCore(cpuFlags: sapphire.subtracting(["avx512vl"])) == "Haswell")
    #expect(BLASCoreSelection.preferredCore(cpuFlags: ["sse2", "avx", "avx2"]) == nil)
    #expect(BLASCoreSelection.preferredCore(cpuFlags: []) == nil)
  }

  @Test func replacesOnlyABaselineFallbackAndNeverAUserChoice() {
    #expect(BLASCoreSelection.replacementCore(current: "Prescott", environment: [:], cpuFlags: sapphire) == "Cooperlake")
    #expect(BLASCoreSelection.replacementCore(current: "Prescott", environment: ["OPENBLAS_CORETYPE": "Haswell"], cpuFlags: sapphire) == nil)
    #expect(BLASCoreSelection.replacementCore(current: "Haswell", environment: [:], cpuFlags: sapphire) == nil)
    #expect(BLASCoreSelection.replacementCore(current: "Prescott", environment: [:], cpuFlags: ["sse2"]) == nil)
  }

  @Test func reportsTheCoreOpenBLASChose() {
    #expect(!BLASCoreSelection.currentCore.isEmpty)
  }
}
