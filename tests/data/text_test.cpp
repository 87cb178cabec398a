// Text: UTF-8, the vocabulary (and its storage with the model), language-model windows.
#include "support/files.h"
#include "support/helpers.h"

using namespace bx;

TEST_CASE("text: the shipped corpus, its vocabulary and a round trip") {
  const std::u32string text = read_utf8_file(test::source_path("datasets/licenses-corpus/corpus.txt"));
  CHECK(text.size() == 79771);
  CHECK(to_utf8(text.substr(0, 34)) == "                    GNU GENERAL PU");
  const Vocabulary v = Vocabulary::from_text(text);
  CHECK(v.size() > 60);
  CHECK(v.size() < 100);
  const at::Tensor ids = v.encode(text, "corpus");
  CHECK(ids.numel() == 79771);
  CHECK(v.decode(ids) == text);
}

TEST_CASE("text: non-ASCII code points, sorted ids, unknown characters named with their position") {
  const test::TempFile f("greek.txt", "b\xce\xb1" "a\xce\xb1");  // "bαaα"
  const std::u32string text = read_utf8_file(f.path());
  CHECK(text == U"b\u03b1a\u03b1");
  const Vocabulary v = Vocabulary::from_text(text);
  CHECK(at::equal(v.encode(text, "greek"), at::tensor({1, 2, 0, 2}, at::kLong)));
  CHECK_THROWS_WITH_AS(v.encode(U"ab!", "prompt"),
                       doctest::Contains("prompt: character '!' (U+0021) at position 2 is not in the vocabulary"), DataError);
}

TEST_CASE("text: invalid UTF-8 names the byte offset") {
  const test::TempFile bad("bad.txt", "ok\xff");
  CHECK_THROWS_WITH_AS(read_utf8_file(bad.path()), doctest::Contains("bad.txt: invalid UTF-8 at byte 2"), DataError);
  const test::TempFile cut("cut.txt", "ok\xce");
  CHECK_THROWS_WITH_AS(read_utf8_file(cut.path()), doctest::Contains("invalid UTF-8 at byte 2"), DataError);
}

TEST_CASE("text: the vocabulary is stored in params and restored from them") {
  const Vocabulary v = Vocabulary::from_text(U"hello world");
  const Params p = v.store(Params());
  CHECK_FALSE(p["data/vocabulary"].trainable);
  const Vocabulary restored = Vocabulary::load(p);
  CHECK(at::equal(restored.as_tensor(), v.as_tensor()));
  CHECK_THROWS_AS(Vocabulary::load(Params()), ParamsError);
}

TEST_CASE("text: language-model windows; targets are inputs shifted by one") {
  const at::Tensor ids = at::arange(11, at::kLong);
  const Dataset d = make_language_model_dataset(ids, 3, 3, "digits");
  CHECK(d.size() == 3);
  CHECK(at::equal(d.inputs[1], at::tensor({3, 4, 5}, at::kLong)));
  CHECK(at::equal(d.targets[1], at::tensor({4, 5, 6}, at::kLong)));
  CHECK(make_language_model_dataset(ids, 10, 10, "digits").size() == 1);
  CHECK_THROWS_WITH_AS(make_language_model_dataset(ids, 11, 11, "digits"), doctest::Contains("too few for one window"),
                       DataError);
  CHECK_THROWS_AS(make_language_model_dataset(ids, 3, 0, "digits"), ConfigError);
}

TEST_CASE("text: overlapping windows start every stride characters, each with its next character") {
  const at::Tensor ids = at::arange(11, at::kLong);  // 0..10: windows of 4 + 1 start at 0, 2, 4, 6
  const Dataset d = make_language_model_dataset(ids, 4, 2, "digits");
  REQUIRE(d.size() == 4);
  CHECK(at::equal(d.inputs[0], at::tensor({0, 1, 2, 3}, at::kLong)));
  CHECK(at::equal(d.inputs[3], at::tensor({6, 7, 8, 9}, at::kLong)));
  CHECK(at::equal(d.targets[3], at::tensor({7, 8, 9, 10}, at::kLong)));
  CHECK(at::equal(d.targets, d.inputs + 1));
  CHECK(make_language_model_dataset(ids, 4, 1, "digits").size() == 7);
}

TEST_CASE("text: the held-out part is the text's contiguous tail, and each part must hold a window") {
  const at::Tensor ids = at::arange(100, at::kLong);
  const auto [kept, held] = split_text_tail(ids, 0.1, 8, "digits");
  CHECK(at::equal(kept, at::arange(90, at::kLong)));
  CHECK(at::equal(held, at::arange(90, 100, at::kLong)));
  CHECK_THROWS_WITH_AS(split_text_tail(ids, 0.05, 8, "digits"), doctest::Contains("leaves 95 and 5"), DataError);
  CHECK_THROWS_WITH_AS(split_text_tail(ids, 0.95, 8, "digits"), doctest::Contains("sequence_length 8 + 1"), DataError);
  CHECK_THROWS_AS(split_text_tail(ids, 1.0, 8, "digits"), ConfigError);
}
