import Foundation
import Testing
@testable import SAEKit

/// WordPiece tokenizer: the golden ids of the reference (Hugging Face `BertTokenizerFast`),
/// edge cases whose expected ids were produced with Hugging Face `tokenizers` 0.23.3 from the
/// model's `tokenizer.json`, and the WordPiece rules on a tiny vocabulary.
@Suite("MiniLM tokenizer")
struct MiniLMTokenizerTests {
  @Test("token ids and strings equal the golden token_ids.json for all 8 sentences")
  func goldenTokens() throws {
    let tokenizer = try MiniLMFixtures.tokenizer()
    let golden = try MiniLMFixtures.goldenSentences()
    #expect(golden.count == 8)
    for sentence in golden {
      let ids = tokenizer.encode(sentence.text)
      #expect(ids == sentence.ids, "\(sentence.text)")
      #expect(tokenizer.tokens(ids) == sentence.tokens, "\(sentence.text)")
    }
    // sentences.txt holds the same texts.
    let lines = try String(contentsOfFile: MiniLMFixtures.golden("sentences.txt"), encoding: .utf8)
      .split(separator: "\n").map(String.init)
    #expect(lines == golden.map(\.text))
  }

  /// (text, ids from Hugging Face `tokenizers`).
  static let edgeCases: [(String, [Int])] = [
    ("Crème Brûlée à la Ÿves ÅNGSTRÖM, naïve façade",
     [101,13675,21382,7987,9307,2063,1037,2474,19687,17076,15687,1010,15743,8508,102]),
    ("Ｆｕｌｌｗｉｄｔｈ ﬁ ligature",
     [101,100,1984,8018,11244,102]),
    ("東京タワーと北京、서울 한국어",
     [101,1879,1755,1709,30262,30265,30192,1781,1755,1635,1461,30008,29999,30014,30022,1469,30006,30021,29991,30014,30020,29999,30008,102]),
    ("I ❤\u{fe0f} 👍\u{1f3fd} family: 👨\u{200d}👩\u{200d}👧 ok",
     [101,1045,100,100,2155,1024,100,7929,102]),
    ("see https://www.example.com/a_b-c?x=1&y=%20#frag, mail: a.b+c@d.io",
     [101,2156,16770,1024,1013,1013,7479,1012,2742,1012,4012,1013,1037,1035,1038,1011,1039,1029,1060,1027,1015,1004,1061,1027,1003,2322,1001,25312,2290,1010,5653,1024,1037,1012,1038,1009,1039,1030,1040,1012,22834,102]),
    ("zzzzqqqxxxj",
     [101,1062,13213,2480,4160,4160,4160,20348,2595,3501,102]),
    ("a\u{0}b\u{200b}c\u{ad}d\u{fffd}e",
     [101,5925,3207,102]),
    ("tab\u{9}new\u{a}line\u{d}\u{a}nbsp\u{a0}thin\u{2009}ideo\u{3000}end\u{2028}x",
     [101,21628,2047,2240,1050,5910,2361,4857,8909,8780,2203,1060,102]),
    ("supercalifragilisticexpialidocious antidisestablishmentarianism",
     [101,3565,9289,10128,29181,24411,4588,10288,19312,21273,10085,6313,3424,10521,4355,7875,13602,3672,12199,2964,102]),
    ("İstanbul ΣΊΣΥΦΟΣ Straße ǅ",
     [101,9960,1173,18199,29733,29735,29736,29730,29733,2358,27807,100,102]),
    ("  ",
     [101,102]),
    ("",
     [101,102]),
    ("x𝔘𝔫𝔦𝔠𝔬𝔡𝔢y",
     [101,100,102]),
    ("$100 + 20% = ^^ ~ | `code` <tag> {json}",
     [101,1002,2531,1009,2322,1003,1027,1034,1034,1066,1064,1036,3642,1036,1026,6415,1028,1063,1046,3385,1065,102]),
    ("a b c",
     [101,1037,1038,1039,102]),
    (String(repeating: "a", count: 100) + " " + String(repeating: "b", count: 101) + " " + String(repeating: "é", count: 101),
     [101,13360,11057,11057,11057,11057,11057,11057,11057,11057,11057,11057,11057,11057,11057,11057,11057,11057,11057,11057,11057,11057,11057,11057,11057,11057,11057,11057,11057,11057,11057,11057,11057,11057,11057,11057,11057,11057,11057,11057,11057,11057,11057,11057,11057,11057,11057,11057,11057,11057,2050,100,100,102]),
    ("Ünïcödé ЁЖИК Ελληνικά עברית العربية हिन्दी",
     [101,27260,1185,29743,10325,23925,1159,29727,29727,24824,16177,18199,29726,14608,1259,29789,29811,29796,29813,1270,23673,29830,17149,29816,14498,19433,1339,29877,29863,29861,29878,102]),
  ]

  @Test("edge cases: accents, full width, CJK and Hangul, emoji, URLs, control characters, whitespace kinds, long words")
  func edgeCases() throws {
    let tokenizer = try MiniLMFixtures.tokenizer()
    for (text, expected) in Self.edgeCases {
      let ids = tokenizer.encode(text)
      #expect(ids == expected, "\(text.debugDescription): \(tokenizer.tokens(ids))")
    }
  }

  @Test("special tokens, truncation and batches")
  func specialsAndBatches() throws {
    let tokenizer = try MiniLMFixtures.tokenizer()
    let specials: [Int] = [tokenizer.padID, tokenizer.unknownID, tokenizer.classifierID, tokenizer.separatorID, tokenizer.maskID]
    #expect(specials == [0, 100, 101, 102, 103])
    #expect(tokenizer.encode("The quick brown fox", maxLength: 4) == [101, 1996, 4248, 102])
    let batch = tokenizer.encodeBatch(["Hi!", "The quick brown fox jumps over the lazy dog."])
    #expect(batch.offsets == [0, 4, 16])
    #expect(batch.sequence(0) == [101, 7632, 999, 102])
    #expect(batch.paddedIDs()[0] == [101, 7632, 999, 102] + Array(repeating: 0, count: 8))
    #expect(batch.attentionMask[0] == Array(repeating: 1, count: 4) + Array(repeating: 0, count: 8))
    #expect(batch.attentionMask[1] == Array(repeating: 1, count: 12))
    #expect(batch.positions[5].sequence == 1 && batch.positions[5].position == 1)
    #expect(try TokenizedBatch(paddedIDs: batch.paddedIDs(), attentionMask: batch.attentionMask) == batch)
    #expect(try TokenizedBatch(paddedIDs: [[0, 0, 101, 7, 102]], attentionMask: [[0, 0, 1, 1, 1]]).ids == [101, 7, 102])
    #expect(throws: SAEKitError.self) { try TokenizedBatch(paddedIDs: [[101, 0]], attentionMask: [[0, 0]]) }
    #expect(throws: SAEKitError.self) { try TokenizedBatch(paddedIDs: [[101, 0]], attentionMask: [[1]]) }
  }

  @Test("WordPiece on a tiny vocabulary: greedy longest match, ## pieces, [UNK] words")
  func tinyVocabulary() throws {
    let vocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "un", "una", "##ble", "##able", "##a",
                      "##b", "##le", "a", "!", "é", "e"]
    let tokenizer = try WordPieceTokenizer(vocabulary: vocabulary)
    func pieces(_ text: String) -> [String] { tokenizer.tokens(tokenizer.pieceIDs(text)) }
    // Longest match first: "una" then "##ble" (not "un" + "##able").
    #expect(pieces("unable") == ["una", "##ble"])
    #expect(pieces("UNA!ble") == ["una", "!", "[UNK]"])  // "ble" cannot start a word
    #expect(pieces("unx") == ["[UNK]"])  // one unmatched rest makes the whole word [UNK]
    #expect(pieces("É") == ["e"])  // accents stripped before lookup
    #expect(pieces(String(repeating: "a", count: 100)) == ["a"] + Array(repeating: "##a", count: 99))
    #expect(pieces(String(repeating: "a", count: 101)) == ["[UNK]"])
    #expect(tokenizer.encode("") == [2, 3])
    #expect(throws: SAEKitError.self) { try WordPieceTokenizer(vocabulary: ["[PAD]", "[UNK]"]) }
  }

  @Test("pre-tokenizer: normalisation and splitting")
  func preTokenizer() {
    #expect(BertPreTokenizer.words("Héllo,  WORLD!\tx") == ["hello", ",", "world", "!", "x"])
    #expect(BertPreTokenizer.words("東京abc") == ["東", "京", "abc"])
    #expect(BertPreTokenizer.words("a\u{0}b\u{7}c") == ["abc"])
    #expect(BertPreTokenizer.words("“quoted”—dash") == ["“", "quoted", "”", "—", "dash"])
    #expect(BertPreTokenizer.words(" \n ").isEmpty)
  }
}
