#include "services/builder/dockerfile/shell_word.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace berth::builder {
namespace {

const ShellEnv kEnv = {{"name", "world"}, {"empty", ""}, {"spaced", "a  b"}};

std::string Word(const std::string& text, char escape = '\\') {
  absl::StatusOr<std::string> word = ProcessWord(text, kEnv, escape);
  EXPECT_TRUE(word.ok()) << text << ": " << word.status();
  return word.ok() ? *word : "<error>";
}

std::string WordError(const std::string& text) {
  absl::StatusOr<std::string> word = ProcessWord(text, kEnv);
  EXPECT_FALSE(word.ok()) << text << " gave " << (word.ok() ? *word : "");
  return word.ok() ? "" : std::string(word.status().message());
}

TEST(ProcessWordTest, PlainAndBracedVariables) {
  EXPECT_EQ(Word("hello $name"), "hello world");
  EXPECT_EQ(Word("hello ${name}!"), "hello world!");
  EXPECT_EQ(Word("$name$name"), "worldworld");
  EXPECT_EQ(Word("${name}_x $name_x"), "world_x ");  // $name_x is unset
  EXPECT_EQ(Word("no variables"), "no variables");
}

TEST(ProcessWordTest, UnsetIsEmptyAndLoneDollarStays) {
  EXPECT_EQ(Word("a${missing}b$missing"), "ab");
  EXPECT_EQ(Word("cost: $"), "cost: $");
  EXPECT_EQ(Word("$ x"), "$ x");
  EXPECT_EQ(Word("$1x"), "x");  // a positional parameter, unset
}

TEST(ProcessWordTest, Modifiers) {
  // `:-`/`:+` treat empty as unset, `-`/`+` only unset.
  EXPECT_EQ(Word("${name:-dflt}"), "world");
  EXPECT_EQ(Word("${empty:-dflt}"), "dflt");
  EXPECT_EQ(Word("${missing:-dflt}"), "dflt");
  EXPECT_EQ(Word("${empty-dflt}"), "");
  EXPECT_EQ(Word("${missing-dflt}"), "dflt");
  EXPECT_EQ(Word("${name-dflt}"), "world");
  EXPECT_EQ(Word("${name:+alt}"), "alt");
  EXPECT_EQ(Word("${empty:+alt}"), "");
  EXPECT_EQ(Word("${missing:+alt}"), "");
  EXPECT_EQ(Word("${empty+alt}"), "alt");
  EXPECT_EQ(Word("${missing+alt}"), "");
  // The word is itself expanded.
  EXPECT_EQ(Word("${missing:-$name and ${name}}"), "world and world");
  EXPECT_EQ(Word("${missing:-}x"), "x");
}

TEST(ProcessWordTest, PrefixAndSuffixRemoval) {
  const ShellEnv env = {{"v", "v1.2.3"}, {"file", "a.tar.gz"}};
  auto word = [&](const std::string& text) { return *ProcessWord(text, env); };
  EXPECT_EQ(word("${v#v}"), "1.2.3");
  EXPECT_EQ(word("${v#x}"), "v1.2.3");  // no match: unchanged
  EXPECT_EQ(word("${file#*.}"), "tar.gz");
  EXPECT_EQ(word("${file##*.}"), "gz");
  EXPECT_EQ(word("${file%.*}"), "a.tar");
  EXPECT_EQ(word("${file%%.*}"), "a");
  EXPECT_EQ(word("${file%.?z}"), "a.tar");
  EXPECT_EQ(word(R"(${file%\.gz})"), "a.tar");
  EXPECT_EQ(word("${missing#x}"), "");
  EXPECT_EQ(WordError("${name:#x}"),
            "unsupported modifier (:#) in substitution");
}

TEST(ProcessWordTest, RequiredVariables) {
  EXPECT_EQ(Word("${name:?must be set}"), "world");
  EXPECT_EQ(WordError("${missing?}"), "missing: is not allowed to be unset");
  EXPECT_EQ(WordError("${empty:?}"), "empty: is not allowed to be empty");
  EXPECT_EQ(Word("${empty?}"), "");
  EXPECT_EQ(WordError("${missing:?give it}"), "missing: give it");
}

TEST(ProcessWordTest, Quotes) {
  EXPECT_EQ(Word("'$name'"), "$name");
  EXPECT_EQ(Word("\"$name\""), "world");
  EXPECT_EQ(Word("\"it's\""), "it's");
  EXPECT_EQ(Word("'say \"hi\"'"), "say \"hi\"");
  EXPECT_EQ(Word("a\"b c\"d"), "ab cd");
  EXPECT_EQ(Word("''"), "");
  // Inside double quotes only ", $ and the escape are escaped.
  EXPECT_EQ(Word(R"("a\"b\$c\\d\ne")"), R"(a"b$c\d\ne)");
  // Nothing escapes inside single quotes.
  EXPECT_EQ(Word(R"('a\b')"), R"(a\b)");
}

TEST(ProcessWordTest, Escapes) {
  EXPECT_EQ(Word(R"(\$name)"), "$name");
  EXPECT_EQ(Word(R"(\${name})"), "${name}");
  EXPECT_EQ(Word(R"(a\ b)"), "a b");
  EXPECT_EQ(Word(R"(\'x\')"), "'x'");
  EXPECT_EQ(Word(R"(\\)"), R"(\)");
  EXPECT_EQ(Word("trailing\\"), "trailing");
}

TEST(ProcessWordTest, BacktickEscapeFromTheDirective) {
  EXPECT_EQ(Word("`$name", '`'), "$name");
  // With ` as escape, \ is an ordinary character (Windows paths).
  EXPECT_EQ(Word(R"(c:\dir\$name)", '`'), R"(c:\dir\world)");
  EXPECT_EQ(Word("\"a`\"b\"", '`'), "a\"b");
}

TEST(ProcessWordTest, SyntaxErrors) {
  EXPECT_EQ(WordError("${name"), "syntax error: missing '}'");
  EXPECT_EQ(WordError("${"), "syntax error: missing '}'");
  EXPECT_EQ(WordError("${}"), "syntax error: bad substitution");
  EXPECT_EQ(WordError("${:-x}"), "syntax error: bad substitution");
  EXPECT_EQ(WordError("${name:-x"), "syntax error: missing '}'");
  EXPECT_EQ(WordError("${name*x}"), "unsupported modifier (*) in substitution");
  EXPECT_EQ(WordError("'open"),
            "unexpected end of statement while looking for matching "
            "single-quote");
  EXPECT_EQ(WordError("\"open"),
            "unexpected end of statement while looking for matching "
            "double-quote");
}

TEST(ProcessWordsTest, SplitsOnUnquotedWhiteSpace) {
  using Words = std::vector<std::string>;
  auto words = [](const std::string& text) {
    absl::StatusOr<Words> result = ProcessWords(text, kEnv);
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? *result : Words{};
  };
  EXPECT_EQ(words("80/tcp  443"), (Words{"80/tcp", "443"}));
  EXPECT_EQ(words("\"a b\" c"), (Words{"a b", "c"}));
  EXPECT_EQ(words(R"(a\ b c)"), (Words{"a b", "c"}));
  // An unquoted expansion splits; a quoted one does not.
  EXPECT_EQ(words("$spaced"), (Words{"a", "b"}));
  EXPECT_EQ(words("\"$spaced\""), (Words{"a  b"}));
  EXPECT_EQ(words("x${missing}y"), (Words{"xy"}));
  EXPECT_EQ(words("$missing"), Words{});
  EXPECT_EQ(words("''"), Words{});  // as docker: an empty word is dropped
  EXPECT_FALSE(ProcessWords("${", kEnv).ok());
}

}  // namespace
}  // namespace berth::builder
