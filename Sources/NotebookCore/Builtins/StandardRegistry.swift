extension Registry {
  /// Every builtin available to notebook cells.
  public static let standard: Registry = {
    var r = Registry()
    StandardLibrary.register(&r)
    CollectionBuiltins.register(&r)
    StatsBuiltins.register(&r)
    TableBuiltins.register(&r)
    SyntheticBuiltins.register(&r)
    SAEBuiltins.register(&r)
    GBAAndAFABuiltins.register(&r)
    PlotBuiltins.register(&r)
    ModelBuiltins.register(&r)
    TokenBuiltins.register(&r)
    DarkMatterBuiltins.register(&r)
    ITDABuiltins.register(&r)
    LanguageModelBuiltins.register(&r)
    MatrixBuiltins.register(&r)
    SparseCodeBuiltins.register(&r)
    AllocationBuiltins.register(&r)
    RankingBuiltins.register(&r)
    StringBuiltins.register(&r)
    RecoveryBuiltins.register(&r)
    return r
  }()
}
