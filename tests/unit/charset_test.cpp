#include "html/charset.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace orbweaver::html;

TEST(Charset, CanonicalNamesFollowBrowsers) {
  EXPECT_EQ(canonical_charset("UTF-8"), "utf-8");
  EXPECT_EQ(canonical_charset(" utf8 "), "utf-8");
  EXPECT_EQ(canonical_charset("ISO-8859-1"), "windows-1252");
  EXPECT_EQ(canonical_charset("latin-1"), "windows-1252");
  EXPECT_EQ(canonical_charset("Latin1"), "windows-1252");
  EXPECT_EQ(canonical_charset("us-ascii"), "windows-1252");
  EXPECT_EQ(canonical_charset("iso-8859-9"), "windows-1254");
  EXPECT_EQ(canonical_charset("gb2312"), "gbk");
  EXPECT_EQ(canonical_charset("SJIS"), "shift_jis");
  EXPECT_EQ(canonical_charset("ks_c_5601-1987"), "euc-kr");
  EXPECT_EQ(canonical_charset("utf-16"), "utf-16le");
  EXPECT_EQ(canonical_charset("x-no-such-thing"), "");
  EXPECT_EQ(canonical_charset(""), "");
}

TEST(Charset, ParameterOfContentType) {
  EXPECT_EQ(charset_parameter("text/html; charset=UTF-8"), "UTF-8");
  EXPECT_EQ(charset_parameter("text/html;charset=\"ISO-8859-1\";q=1"), "ISO-8859-1");
  EXPECT_EQ(charset_parameter("text/html; Charset = 'koi8-r' "), "koi8-r");
  EXPECT_EQ(charset_parameter("text/html; charset=utf-8; format=flowed"), "utf-8");
  EXPECT_EQ(charset_parameter("text/html"), "");
  EXPECT_EQ(charset_parameter("text/html; charset=\"unterminated"), "");
}

TEST(Charset, FromMetaInTheFirstFourKilobytes) {
  EXPECT_EQ(charset_from_markup(R"(<html><head><meta charset="ISO-8859-2"><title>x</title>)"), "iso-8859-2");
  EXPECT_EQ(charset_from_markup(R"(<META CHARSET=windows-1251>)"), "windows-1251");
  EXPECT_EQ(charset_from_markup(R"(<meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS">)"),
            "shift_jis");
  EXPECT_EQ(charset_from_markup(R"(<meta content='text/html; charset=euc-jp' http-equiv=content-type />)"), "euc-jp");
  EXPECT_EQ(charset_from_markup(R"(<meta content="text/html; charset=euc-jp">)"), "");  // no http-equiv
  EXPECT_EQ(charset_from_markup(R"(<!-- <meta charset="koi8-r"> --><meta charset="latin1">)"), "windows-1252");
  EXPECT_EQ(charset_from_markup(R"(<div title="<meta charset=koi8-r>"></div><meta charset=gbk>)"), "gbk");
  EXPECT_EQ(charset_from_markup(R"(<meta charset="bogus"><meta charset="utf-8">)"), "utf-8");
  EXPECT_EQ(charset_from_markup(R"(<meta charset="utf-16">)"), "utf-8");  // readable markup is not UTF-16
  EXPECT_EQ(charset_from_markup(R"(<?xml version="1.0" encoding="ISO-8859-15"?><rss/>)"), "iso-8859-15");
  EXPECT_EQ(charset_from_markup(R"(<metadata charset="koi8-r">)"), "");
  EXPECT_EQ(charset_from_markup("<p>" + std::string(5000, 'x') + "<meta charset=koi8-r>"), "");
}

TEST(Charset, ByteOrderMarks) {
  EXPECT_EQ(detect_bom("\xEF\xBB\xBF<p>").charset, "utf-8");
  EXPECT_EQ(detect_bom("\xEF\xBB\xBF<p>").length, 3u);
  EXPECT_EQ(detect_bom("\xFF\xFE<\0").charset, "utf-16le");
  EXPECT_EQ(detect_bom("\xFE\xFF\0<").charset, "utf-16be");
  EXPECT_EQ(detect_bom("<p>").charset, "");
}

TEST(Charset, DetectionOrder) {
  const std::string meta_latin2 = R"(<meta charset="iso-8859-2">)";
  EXPECT_EQ(detect_charset("text/html; charset=koi8-r", meta_latin2), "koi8-r");
  EXPECT_EQ(detect_charset("text/html", meta_latin2), "iso-8859-2");
  EXPECT_EQ(detect_charset("text/html; charset=nonsense", meta_latin2), "iso-8859-2");
  EXPECT_EQ(detect_charset(std::nullopt, meta_latin2), "iso-8859-2");
  EXPECT_EQ(detect_charset(std::nullopt, "<p>plain</p>"), "utf-8");
  EXPECT_EQ(detect_charset("text/html; charset=iso-8859-1", "\xEF\xBB\xBF" + meta_latin2), "utf-8");
}

TEST(Utf8, Validation) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain ascii that is longer than eight bytes"));
  EXPECT_TRUE(is_valid_utf8("caf\xC3\xA9 \xE5\x8C\x97 \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF"));
  EXPECT_FALSE(is_valid_utf8("caf\xE9"));                   // Latin-1 byte
  EXPECT_FALSE(is_valid_utf8("\xC0\x80"));                  // overlong
  EXPECT_FALSE(is_valid_utf8("\xE0\x80\xAF"));              // overlong
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));              // surrogate
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));          // above U+10FFFF
  EXPECT_FALSE(is_valid_utf8("abcdefgh\xE5\x8C"));          // cut short
  EXPECT_FALSE(is_valid_utf8("\x80 stray continuation"));
}

TEST(Utf8, ReplacementFollowsTheWhatwgDecoder) {
  EXPECT_EQ(replace_invalid_utf8("caf\xE9!"), "caf\xEF\xBF\xBD!");
  // A truncated sequence is one U+FFFD; the byte that broke it is read again.
  EXPECT_EQ(replace_invalid_utf8("\xF0\x9F\x98" "A"), "\xEF\xBF\xBD" "A");
  EXPECT_EQ(replace_invalid_utf8("\xE2\x28\xA1"), "\xEF\xBF\xBD(\xEF\xBF\xBD");
  EXPECT_EQ(replace_invalid_utf8("\xC0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(replace_invalid_utf8("ok \xE5\x8C\x97"), "ok \xE5\x8C\x97");
  EXPECT_EQ(replace_invalid_utf8("end \xE5\x8C"), "end \xEF\xBF\xBD");
}

TEST(Transcoding, Windows1252AsBrowsersDecodeIt) {
  // 0x80 is the euro sign; 0x81 is undefined in the standard but browsers map it to U+0081.
  EXPECT_EQ(decode_to_utf8("caf\xE9 \x80 \x81 \x93q\x94", "windows-1252"),
            "caf\xC3\xA9 \xE2\x82\xAC \xC2\x81 \xE2\x80\x9Cq\xE2\x80\x9D");
}

TEST(Transcoding, OtherCharsetsThroughIconv) {
  EXPECT_EQ(decode_to_utf8("\xCF\xF0\xE8\xE2\xE5\xF2", "windows-1251"),
            "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82");
  EXPECT_EQ(decode_to_utf8("\xB1", "iso-8859-2"), "\xC4\x85");
  EXPECT_EQ(decode_to_utf8("\x93\xFA\x96\x7B", "shift_jis"), "\xE6\x97\xA5\xE6\x9C\xAC");
  EXPECT_EQ(decode_to_utf8("\xC4\xE3\xBA\xC3", "gbk"), "\xE4\xBD\xA0\xE5\xA5\xBD");
  EXPECT_EQ(decode_to_utf8(std::string("h\0i\0", 4), "utf-16le"), "hi");
  EXPECT_EQ(decode_to_utf8("\x1B$B$3\x1B(B!", "iso-2022-jp"), "\xE3\x81\x93!");
}

TEST(Transcoding, InvalidBytesBecomeReplacementCharacters) {
  // 0xFF is not a Shift_JIS lead byte; a lead byte at the very end has no trail byte.
  EXPECT_EQ(decode_to_utf8("a\xFF" "b\x93", "shift_jis"), "a\xEF\xBF\xBD" "b\xEF\xBF\xBD");
}

TEST(Transcoding, OutputGrowsBeyondTheFirstGuess) {
  // Each Thai byte takes three bytes in UTF-8, more than the first buffer holds.
  std::string expected;
  for (int i = 0; i < 3000; ++i) expected += "\xE0\xB8\x81";
  EXPECT_EQ(decode_to_utf8(std::string(3000, '\xA1'), "windows-874"), expected);
}
