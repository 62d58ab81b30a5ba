#include "html/charset.hpp"
#include "html/markup.hpp"
#include "core/text.hpp"

#include "html/dom.hpp"

#include <iconv.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>

namespace orbweaver::html {

namespace {

struct label_entry {
  std::string_view label;
  std::string_view charset;
};

// The labels of the WHATWG Encoding Standard (plus Python's "latin-1", common in the wild),
// without the "replacement" and "x-user-defined" encodings, which no page needs decoded.
constexpr label_entry labels[] = {
    {"unicode-1-1-utf-8", "utf-8"}, {"unicode11utf8", "utf-8"}, {"unicode20utf8", "utf-8"},
    {"utf-8", "utf-8"}, {"utf8", "utf-8"}, {"x-unicode20utf8", "utf-8"},
    {"866", "ibm866"}, {"cp866", "ibm866"}, {"csibm866", "ibm866"}, {"ibm866", "ibm866"},
    {"csisolatin2", "iso-8859-2"}, {"iso-8859-2", "iso-8859-2"}, {"iso-ir-101", "iso-8859-2"},
    {"iso8859-2", "iso-8859-2"}, {"iso88592", "iso-8859-2"}, {"iso_8859-2", "iso-8859-2"},
    {"iso_8859-2:1987", "iso-8859-2"}, {"l2", "iso-8859-2"}, {"latin2", "iso-8859-2"},
    {"csisolatin3", "iso-8859-3"}, {"iso-8859-3", "iso-8859-3"}, {"iso-ir-109", "iso-8859-3"},
    {"iso8859-3", "iso-8859-3"}, {"iso88593", "iso-8859-3"}, {"iso_8859-3", "iso-8859-3"},
    {"iso_8859-3:1988", "iso-8859-3"}, {"l3", "iso-8859-3"}, {"latin3", "iso-8859-3"},
    {"csisolatin4", "iso-8859-4"}, {"iso-8859-4", "iso-8859-4"}, {"iso-ir-110", "iso-8859-4"},
    {"iso8859-4", "iso-8859-4"}, {"iso88594", "iso-8859-4"}, {"iso_8859-4", "iso-8859-4"},
    {"iso_8859-4:1988", "iso-8859-4"}, {"l4", "iso-8859-4"}, {"latin4", "iso-8859-4"},
    {"csisolatincyrillic", "iso-8859-5"}, {"cyrillic", "iso-8859-5"}, {"iso-8859-5", "iso-8859-5"},
    {"iso-ir-144", "iso-8859-5"}, {"iso8859-5", "iso-8859-5"}, {"iso88595", "iso-8859-5"},
    {"iso_8859-5", "iso-8859-5"}, {"iso_8859-5:1988", "iso-8859-5"},
    {"arabic", "iso-8859-6"}, {"asmo-708", "iso-8859-6"}, {"csiso88596e", "iso-8859-6"},
    {"csiso88596i", "iso-8859-6"}, {"csisolatinarabic", "iso-8859-6"}, {"ecma-114", "iso-8859-6"},
    {"iso-8859-6", "iso-8859-6"}, {"iso-8859-6-e", "iso-8859-6"}, {"iso-8859-6-i", "iso-8859-6"},
    {"iso-ir-127", "iso-8859-6"}, {"iso8859-6", "iso-8859-6"}, {"iso88596", "iso-8859-6"},
    {"iso_8859-6", "iso-8859-6"}, {"iso_8859-6:1987", "iso-8859-6"},
    {"csisolatingreek", "iso-8859-7"}, {"ecma-118", "iso-8859-7"}, {"elot_928", "iso-8859-7"},
    {"greek", "iso-8859-7"}, {"greek8", "iso-8859-7"}, {"iso-8859-7", "iso-8859-7"},
    {"iso-ir-126", "iso-8859-7"}, {"iso8859-7", "iso-8859-7"}, {"iso88597", "iso-8859-7"},
    {"iso_8859-7", "iso-8859-7"}, {"iso_8859-7:1987", "iso-8859-7"}, {"sun_eu_greek", "iso-8859-7"},
    {"csiso88598e", "iso-8859-8"}, {"csisolatinhebrew", "iso-8859-8"}, {"hebrew", "iso-8859-8"},
    {"iso-8859-8", "iso-8859-8"}, {"iso-8859-8-e", "iso-8859-8"}, {"iso-ir-138", "iso-8859-8"},
    {"iso8859-8", "iso-8859-8"}, {"iso88598", "iso-8859-8"}, {"iso_8859-8", "iso-8859-8"},
    {"iso_8859-8:1988", "iso-8859-8"}, {"visual", "iso-8859-8"},
    {"csiso88598i", "iso-8859-8-i"}, {"iso-8859-8-i", "iso-8859-8-i"}, {"logical", "iso-8859-8-i"},
    {"csisolatin6", "iso-8859-10"}, {"iso-8859-10", "iso-8859-10"}, {"iso-ir-157", "iso-8859-10"},
    {"iso8859-10", "iso-8859-10"}, {"iso885910", "iso-8859-10"}, {"l6", "iso-8859-10"},
    {"latin6", "iso-8859-10"},
    {"iso-8859-13", "iso-8859-13"}, {"iso8859-13", "iso-8859-13"}, {"iso885913", "iso-8859-13"},
    {"iso-8859-14", "iso-8859-14"}, {"iso8859-14", "iso-8859-14"}, {"iso885914", "iso-8859-14"},
    {"csisolatin9", "iso-8859-15"}, {"iso-8859-15", "iso-8859-15"}, {"iso8859-15", "iso-8859-15"},
    {"iso885915", "iso-8859-15"}, {"iso_8859-15", "iso-8859-15"}, {"l9", "iso-8859-15"},
    {"iso-8859-16", "iso-8859-16"},
    {"cskoi8r", "koi8-r"}, {"koi", "koi8-r"}, {"koi8", "koi8-r"}, {"koi8-r", "koi8-r"}, {"koi8_r", "koi8-r"},
    {"koi8-ru", "koi8-u"}, {"koi8-u", "koi8-u"},
    {"csmacintosh", "macintosh"}, {"mac", "macintosh"}, {"macintosh", "macintosh"}, {"x-mac-roman", "macintosh"},
    {"dos-874", "windows-874"}, {"iso-8859-11", "windows-874"}, {"iso8859-11", "windows-874"},
    {"iso885911", "windows-874"}, {"tis-620", "windows-874"}, {"windows-874", "windows-874"},
    {"cp1250", "windows-1250"}, {"windows-1250", "windows-1250"}, {"x-cp1250", "windows-1250"},
    {"cp1251", "windows-1251"}, {"windows-1251", "windows-1251"}, {"x-cp1251", "windows-1251"},
    {"ansi_x3.4-1968", "windows-1252"}, {"ascii", "windows-1252"}, {"cp1252", "windows-1252"},
    {"cp819", "windows-1252"}, {"csisolatin1", "windows-1252"}, {"ibm819", "windows-1252"},
    {"iso-8859-1", "windows-1252"}, {"iso-ir-100", "windows-1252"}, {"iso8859-1", "windows-1252"},
    {"iso88591", "windows-1252"}, {"iso_8859-1", "windows-1252"}, {"iso_8859-1:1987", "windows-1252"},
    {"l1", "windows-1252"}, {"latin1", "windows-1252"}, {"latin-1", "windows-1252"},
    {"us-ascii", "windows-1252"}, {"windows-1252", "windows-1252"}, {"x-cp1252", "windows-1252"},
    {"cp1253", "windows-1253"}, {"windows-1253", "windows-1253"}, {"x-cp1253", "windows-1253"},
    {"cp1254", "windows-1254"}, {"csisolatin5", "windows-1254"}, {"iso-8859-9", "windows-1254"},
    {"iso-ir-148", "windows-1254"}, {"iso8859-9", "windows-1254"}, {"iso88599", "windows-1254"},
    {"iso_8859-9", "windows-1254"}, {"iso_8859-9:1989", "windows-1254"}, {"l5", "windows-1254"},
    {"latin5", "windows-1254"}, {"windows-1254", "windows-1254"}, {"x-cp1254", "windows-1254"},
    {"cp1255", "windows-1255"}, {"windows-1255", "windows-1255"}, {"x-cp1255", "windows-1255"},
    {"cp1256", "windows-1256"}, {"windows-1256", "windows-1256"}, {"x-cp1256", "windows-1256"},
    {"cp1257", "windows-1257"}, {"windows-1257", "windows-1257"}, {"x-cp1257", "windows-1257"},
    {"cp1258", "windows-1258"}, {"windows-1258", "windows-1258"}, {"x-cp1258", "windows-1258"},
    {"x-mac-cyrillic", "x-mac-cyrillic"}, {"x-mac-ukrainian", "x-mac-cyrillic"},
    {"chinese", "gbk"}, {"csgb2312", "gbk"}, {"csiso58gb231280", "gbk"}, {"gb2312", "gbk"},
    {"gb_2312", "gbk"}, {"gb_2312-80", "gbk"}, {"gbk", "gbk"}, {"iso-ir-58", "gbk"}, {"x-gbk", "gbk"},
    {"gb18030", "gb18030"},
    {"big5", "big5"}, {"big5-hkscs", "big5"}, {"cn-big5", "big5"}, {"csbig5", "big5"}, {"x-x-big5", "big5"},
    {"cseucpkdfmtjapanese", "euc-jp"}, {"euc-jp", "euc-jp"}, {"x-euc-jp", "euc-jp"},
    {"csiso2022jp", "iso-2022-jp"}, {"iso-2022-jp", "iso-2022-jp"},
    {"csshiftjis", "shift_jis"}, {"ms932", "shift_jis"}, {"ms_kanji", "shift_jis"},
    {"shift-jis", "shift_jis"}, {"shift_jis", "shift_jis"}, {"sjis", "shift_jis"},
    {"windows-31j", "shift_jis"}, {"x-sjis", "shift_jis"},
    {"cseuckr", "euc-kr"}, {"csksc56011987", "euc-kr"}, {"euc-kr", "euc-kr"}, {"iso-ir-149", "euc-kr"},
    {"korean", "euc-kr"}, {"ks_c_5601-1987", "euc-kr"}, {"ks_c_5601-1989", "euc-kr"},
    {"ksc5601", "euc-kr"}, {"ksc_5601", "euc-kr"}, {"windows-949", "euc-kr"},
    {"unicodefffe", "utf-16be"}, {"utf-16be", "utf-16be"},
    {"csunicode", "utf-16le"}, {"iso-10646-ucs-2", "utf-16le"}, {"ucs-2", "utf-16le"},
    {"unicode", "utf-16le"}, {"unicodefeff", "utf-16le"}, {"utf-16", "utf-16le"}, {"utf-16le", "utf-16le"},
};

// glibc iconv names for the canonical names, where the WHATWG decoder is a superset of the
// standard one (gbk is decoded as gb18030, shift_jis as Microsoft's cp932, euc-kr as cp949).
constexpr label_entry iconv_names[] = {
    {"ibm866", "IBM866"}, {"iso-8859-8-i", "ISO-8859-8"}, {"koi8-r", "KOI8-R"}, {"koi8-u", "KOI8-U"},
    {"macintosh", "MACINTOSH"}, {"windows-874", "CP874"}, {"x-mac-cyrillic", "MAC-CYRILLIC"},
    {"gbk", "GB18030"}, {"gb18030", "GB18030"}, {"big5", "BIG5-HKSCS"}, {"euc-jp", "EUC-JP"},
    {"iso-2022-jp", "ISO-2022-JP"}, {"shift_jis", "CP932"}, {"euc-kr", "CP949"},
    {"utf-16be", "UTF-16BE"}, {"utf-16le", "UTF-16LE"},
};

bool starts_with_lowered(std::string_view text, std::string_view lowered_prefix) {
  return text.size() >= lowered_prefix.size() && equals_lowered(text.substr(0, lowered_prefix.size()), lowered_prefix);
}

std::size_t find_lowered(std::string_view text, std::string_view lowered_needle, std::size_t from) {
  for (std::size_t i = from; i + lowered_needle.size() <= text.size(); ++i)
    if (equals_lowered(text.substr(i, lowered_needle.size()), lowered_needle)) return i;
  return std::string_view::npos;
}

// Declared in markup, UTF-16 cannot be true (the markup was readable as ASCII), so it means UTF-8.
std::string_view declared_in_markup(std::string_view label) {
  const std::string_view charset = canonical_charset(label);
  return charset == "utf-16le" || charset == "utf-16be" ? "utf-8" : charset;
}

// The encoding="..." of an XML declaration at the start of the body.
std::string_view xml_declared(std::string_view head) {
  if (!head.starts_with("<?xml")) return {};
  const std::string_view declaration = head.substr(0, head.find("?>"));
  std::size_t i = declaration.find("encoding");
  if (i == std::string_view::npos) return {};
  i += 8;
  while (i < declaration.size() && text::is_html_space(declaration[i])) ++i;
  if (i >= declaration.size() || declaration[i] != '=') return {};
  ++i;
  while (i < declaration.size() && text::is_html_space(declaration[i])) ++i;
  if (i >= declaration.size() || (declaration[i] != '"' && declaration[i] != '\'')) return {};
  const std::size_t end = declaration.find(declaration[i], i + 1);
  if (end == std::string_view::npos) return {};
  return declared_in_markup(declaration.substr(i + 1, end - i - 1));
}

// The attributes of a <meta> tag (i just past "<meta"): its charset, if it declares one.
std::string_view meta_charset(std::string_view text, std::size_t& i) {
  std::string_view charset, http_equiv, content;
  bool has_charset = false;
  while (auto attribute = next_attribute(text, i)) {
    if (equals_lowered(attribute->name, "charset") && !has_charset) {
      has_charset = true;
      charset = attribute->value;
    } else if (equals_lowered(attribute->name, "http-equiv") && http_equiv.empty()) {
      http_equiv = attribute->value;
    } else if (equals_lowered(attribute->name, "content") && content.empty()) {
      content = attribute->value;
    }
  }
  if (has_charset) return declared_in_markup(text::trim_html_space(charset));
  if (equals_lowered(text::trim_html_space(http_equiv), "content-type")) return declared_in_markup(charset_parameter(content));
  return {};
}

bool is_ascii_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

constexpr char16_t windows_1252_high[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

// Windows-1252 is the most common legacy charset and glibc leaves five of its bytes undefined,
// where browsers map them to C1 controls; a table does it exactly, and faster.
std::string decode_windows_1252(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() + bytes.size() / 8);
  for (const char byte : bytes) {
    const auto b = static_cast<unsigned char>(byte);
    if (b < 0x80)
      out += byte;
    else if (b < 0xA0)
      append_utf8(out, windows_1252_high[b - 0x80]);
    else
      append_utf8(out, b);
  }
  return out;
}

constexpr std::string_view replacement_character = "\xEF\xBF\xBD";

// The byte range allowed after a UTF-8 lead byte (Unicode table 3-7); length 0 for a non-lead.
struct utf8_lead {
  int length;
  unsigned char lower, upper;
};
utf8_lead classify_lead(unsigned char c) {
  if (c >= 0xC2 && c <= 0xDF) return {2, 0x80, 0xBF};
  if (c == 0xE0) return {3, 0xA0, 0xBF};
  if (c == 0xED) return {3, 0x80, 0x9F};
  if (c >= 0xE1 && c <= 0xEF) return {3, 0x80, 0xBF};
  if (c == 0xF0) return {4, 0x90, 0xBF};
  if (c == 0xF4) return {4, 0x80, 0x8F};
  if (c >= 0xF1 && c <= 0xF3) return {4, 0x80, 0xBF};
  return {0, 0, 0};
}

}  // namespace

std::string_view canonical_charset(std::string_view label) {
  label = text::trim_html_space(label);
  for (const auto& entry : labels)
    if (equals_lowered(label, entry.label)) return entry.charset;
  return {};
}

std::string_view charset_parameter(std::string_view content_type) {
  std::size_t i = 0;
  for (;;) {
    i = find_lowered(content_type, "charset", i);
    if (i == std::string_view::npos) return {};
    i += 7;
    while (i < content_type.size() && text::is_html_space(content_type[i])) ++i;
    if (i < content_type.size() && content_type[i] == '=') break;
  }
  ++i;
  while (i < content_type.size() && text::is_html_space(content_type[i])) ++i;
  if (i < content_type.size() && (content_type[i] == '"' || content_type[i] == '\'')) {
    const std::size_t end = content_type.find(content_type[i], i + 1);
    if (end == std::string_view::npos) return {};
    return content_type.substr(i + 1, end - i - 1);
  }
  const std::size_t start = i;
  while (i < content_type.size() && !text::is_html_space(content_type[i]) && content_type[i] != ';') ++i;
  return content_type.substr(start, i - start);
}

// A reduced form of the HTML standard's prescan: comments and other tags are stepped over
// (so a <meta> inside a comment or an attribute value does not count), the first <meta> that
// declares a known charset wins.
std::string_view charset_from_markup(std::string_view body) {
  const std::string_view head = body.substr(0, std::min<std::size_t>(body.size(), 4096));
  if (const std::string_view declared = xml_declared(head); !declared.empty()) return declared;
  std::size_t i = 0;
  while ((i = head.find('<', i)) != std::string_view::npos) {
    const std::string_view rest = head.substr(i);
    if (rest.starts_with("<!--")) {
      const std::size_t end = head.find("-->", i + 2);
      if (end == std::string_view::npos) break;
      i = end + 3;
    } else if (starts_with_lowered(rest, "<meta") && rest.size() > 5 && (text::is_html_space(rest[5]) || rest[5] == '/')) {
      i += 5;
      if (const std::string_view charset = meta_charset(head, i); !charset.empty()) return charset;
    } else if (rest.size() > 2 && (is_ascii_letter(rest[1]) || (rest[1] == '/' && is_ascii_letter(rest[2])))) {
      i += rest[1] == '/' ? 2 : 1;
      while (i < head.size() && !text::is_html_space(head[i]) && head[i] != '>') ++i;
      while (next_attribute(head, i)) continue;  // step over the tag's attributes
    } else if (rest.starts_with("<!") || rest.starts_with("</") || rest.starts_with("<?")) {
      const std::size_t end = head.find('>', i);
      if (end == std::string_view::npos) break;
      i = end + 1;
    } else {
      ++i;
    }
  }
  return {};
}

byte_order_mark detect_bom(std::string_view body) {
  if (body.starts_with("\xEF\xBB\xBF")) return {"utf-8", 3};
  if (body.starts_with("\xFE\xFF")) return {"utf-16be", 2};
  if (body.starts_with("\xFF\xFE")) return {"utf-16le", 2};
  return {};
}

std::string_view detect_charset(std::optional<std::string_view> content_type, std::string_view body) {
  if (const auto bom = detect_bom(body); !bom.charset.empty()) return bom.charset;
  if (content_type) {
    if (const std::string_view charset = canonical_charset(charset_parameter(*content_type)); !charset.empty())
      return charset;
  }
  if (const std::string_view charset = charset_from_markup(body); !charset.empty()) return charset;
  return "utf-8";
}

bool is_valid_utf8(std::string_view text) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t size = text.size();
  std::size_t i = 0;
  while (i < size) {
    if (i + 8 <= size) {  // mostly ASCII: eight bytes at a time
      std::uint64_t word;
      std::memcpy(&word, bytes + i, 8);
      if ((word & 0x8080808080808080ULL) == 0) {
        i += 8;
        continue;
      }
    }
    if (bytes[i] < 0x80) {
      ++i;
      continue;
    }
    const utf8_lead lead = classify_lead(bytes[i]);
    if (lead.length == 0 || i + static_cast<std::size_t>(lead.length) > size) return false;
    if (bytes[i + 1] < lead.lower || bytes[i + 1] > lead.upper) return false;
    for (int k = 2; k < lead.length; ++k)
      if ((bytes[i + k] & 0xC0) != 0x80) return false;
    i += static_cast<std::size_t>(lead.length);
  }
  return true;
}

std::string replace_invalid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 16);
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      out += text[i++];
      continue;
    }
    const utf8_lead lead = classify_lead(c);
    if (lead.length == 0) {
      out += replacement_character;
      ++i;
      continue;
    }
    // Consume the longest valid prefix; a byte that breaks the sequence is read again.
    std::size_t end = i + 1;
    bool complete = true;
    for (int k = 1; k < lead.length; ++k, ++end) {
      const unsigned char lower = k == 1 ? lead.lower : 0x80;
      const unsigned char upper = k == 1 ? lead.upper : 0xBF;
      if (end >= text.size() || static_cast<unsigned char>(text[end]) < lower ||
          static_cast<unsigned char>(text[end]) > upper) {
        complete = false;
        break;
      }
    }
    if (complete)
      out.append(text.substr(i, end - i));
    else
      out += replacement_character;
    i = end;
  }
  return out;
}

std::string decode_to_utf8(std::string_view bytes, std::string_view charset) {
  if (charset == "windows-1252") return decode_windows_1252(bytes);
  std::string iconv_name;
  for (const auto& entry : iconv_names)
    if (entry.label == charset) iconv_name = entry.charset;
  if (iconv_name.empty()) {  // iso-8859-N and windows-125N: glibc knows them as named
    iconv_name = charset;
    for (char& c : iconv_name) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
    if (iconv_name.starts_with("WINDOWS-")) iconv_name.replace(0, 8, "CP");
  }
  iconv_t converter = iconv_open("UTF-8", iconv_name.c_str());
  if (converter == reinterpret_cast<iconv_t>(-1)) return replace_invalid_utf8(bytes);

  std::string out(bytes.size() * 2 + 16, '\0');
  std::size_t used = 0;
  char* in = const_cast<char*>(bytes.data());  // iconv's signature; the input is not written
  std::size_t in_left = bytes.size();
  auto reserve = [&](std::size_t room) {
    if (out.size() - used < room) out.resize(std::max(out.size() * 2, used + room));
  };
  auto convert = [&](char** input, std::size_t* input_left) {
    char* out_ptr = out.data() + used;
    std::size_t out_left = out.size() - used;
    const std::size_t result = iconv(converter, input, input_left, &out_ptr, &out_left);
    used = static_cast<std::size_t>(out_ptr - out.data());
    return result;
  };
  while (in_left > 0) {
    if (convert(&in, &in_left) != static_cast<std::size_t>(-1)) break;
    const int error = errno;
    if (error == E2BIG) {
      reserve(out.size());
      continue;
    }
    // An invalid byte (EILSEQ) becomes U+FFFD and decoding goes on after it; a sequence cut
    // short by the end of the body (EINVAL) becomes one U+FFFD.
    reserve(replacement_character.size());
    out.replace(used, replacement_character.size(), replacement_character);
    used += replacement_character.size();
    if (error == EINVAL) break;
    ++in;
    --in_left;
  }
  // Stateful encodings (ISO-2022-JP) may owe a final reset sequence.
  reserve(16);
  convert(nullptr, nullptr);
  iconv_close(converter);
  out.resize(used);
  return out;
}

}  // namespace orbweaver::html
