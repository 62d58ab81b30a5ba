#include "shell_expression.hpp"

#include <orbweaver/selector.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>

namespace orbweaver::launcher::shell {
namespace {

// ---- Parsing ----------------------------------------------------------------------------------

class parser {
 public:
  explicit parser(std::string_view line) : text_(line) {}

  expression parse() {
    expression steps;
    skip_spaces();
    if (at_end()) return steps;
    steps.push_back(name_or_call(identifier()));
    while (true) {
      skip_spaces();
      if (at_end()) return steps;
      if (take('.')) {
        skip_spaces();
        steps.push_back(name_or_call(identifier()));
      } else if (take('[')) {
        skip_spaces();
        step subscript{step::kind::subscript, {}, {integer()}};
        skip_spaces();
        expect(']');
        steps.push_back(std::move(subscript));
      } else {
        fail(fmt::format("unexpected '{}'", text_[pos_]));
      }
    }
  }

 private:
  [[noreturn]] void fail(std::string_view what) const {
    throw shell_error(fmt::format("SyntaxError: {} at column {}", what, pos_ + 1));
  }
  bool at_end() const { return pos_ >= text_.size(); }
  void skip_spaces() {
    while (!at_end() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  bool take(char c) {
    if (at_end() || text_[pos_] != c) return false;
    ++pos_;
    return true;
  }
  void expect(char c) {
    if (!take(c)) fail(at_end() ? fmt::format("'{}' expected at the end of the line", c) : fmt::format("'{}' expected", c));
  }
  static bool identifier_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

  std::string identifier() {
    if (at_end() || !(std::isalpha(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_'))
      fail(at_end() ? "a name expected at the end of the line" : "a name expected");
    auto start = pos_;
    while (!at_end() && identifier_char(text_[pos_])) ++pos_;
    return std::string(text_.substr(start, pos_ - start));
  }

  step name_or_call(std::string name) {
    skip_spaces();
    if (!take('(')) return {step::kind::name, std::move(name), {}};
    step call{step::kind::call, std::move(name), {}};
    skip_spaces();
    if (take(')')) return call;
    while (true) {
      skip_spaces();
      call.args.push_back(argument());
      skip_spaces();
      if (take(')')) return call;
      if (!take(',')) fail(at_end() ? "',' or ')' expected at the end of the line" : "',' or ')' expected");
    }
  }

  literal argument() {
    if (at_end()) fail("an argument expected at the end of the line");
    char c = text_[pos_];
    if (c == '-' || std::isdigit(static_cast<unsigned char>(c))) return integer();
    bool raw = false;
    if ((c == 'r' || c == 'R') && pos_ + 1 < text_.size() && (text_[pos_ + 1] == '"' || text_[pos_ + 1] == '\'')) {
      raw = true;
      ++pos_;
    }
    if (text_[pos_] == '"' || text_[pos_] == '\'') return string_literal(raw);
    fail("a string or a number expected");
  }

  long long integer() {
    auto start = pos_;
    take('-');
    if (at_end() || !std::isdigit(static_cast<unsigned char>(text_[pos_]))) fail("a number expected");
    while (!at_end() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    if (!at_end() && identifier_char(text_[pos_])) fail("invalid number");
    try {
      return std::stoll(std::string(text_.substr(start, pos_ - start)));
    } catch (const std::out_of_range&) {
      fail("number too large");
    }
  }

  // Python's escapes; an unknown one keeps its backslash, as Python does ("\d" is two characters).
  std::string string_literal(bool raw) {
    const char quote = text_[pos_++];
    std::string value;
    while (true) {
      if (at_end()) fail("unterminated string");
      char c = text_[pos_++];
      if (c == quote) return value;
      if (c != '\\' || at_end()) {
        value += c;
        continue;
      }
      char next = text_[pos_++];
      if (raw) {
        value += '\\';
        value += next;
        continue;
      }
      switch (next) {
        case 'n': value += '\n'; break;
        case 't': value += '\t'; break;
        case 'r': value += '\r'; break;
        case '\\': value += '\\'; break;
        case '\'': value += '\''; break;
        case '"': value += '"'; break;
        default: value += '\\'; value += next;
      }
    }
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

// ---- Values -----------------------------------------------------------------------------------

struct none {};
// A selection remembers its query for its repr, as parsel's Selector does.
struct selection {
  selector_list list;
  std::string query;
};
struct one_selection {
  selector sel;
  std::string query;
};
using string_list = std::vector<std::string>;
// A page's body or text: shown cut when long.
struct page_text {
  std::string text;
};
using value = std::variant<none, long long, std::string, string_list, selection, one_selection, http_headers,
                           response_ptr, page_text>;

std::string type_name(const value& v) {
  constexpr std::array names{"NoneType", "int",     "str",      "list", "SelectorList",
                             "Selector", "Headers", "Response", "str"};
  return names[v.index()];
}

// Decodes one UTF-8 sequence at `i` (advancing it); invalid bytes come back as themselves.
std::uint32_t next_code_point(std::string_view s, std::size_t& i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char lead = byte(i);
  std::size_t length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 0;
  if (length <= 1 || i + length > s.size()) {
    ++i;
    return lead;
  }
  std::uint32_t cp = lead & (0xFF >> (length + 1));
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) {
      ++i;
      return lead;
    }
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  i += length;
  return cp;
}

// Python prints these escaped in a str's repr (the usual suspects of web pages among the
// characters str.isprintable() refuses: controls, no-break and zero-width spaces, separators).
bool escaped_in_repr(std::uint32_t cp) {
  return cp < 0x20 || (cp >= 0x7F && cp <= 0xA0) || cp == 0xAD || (cp >= 0x2000 && cp <= 0x200F) ||
         (cp >= 0x2028 && cp <= 0x202F) || cp == 0x205F || cp == 0x3000 || cp == 0xFEFF;
}

std::string repr_of_list(const string_list& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + python_repr(items[i]);
  return out + "]";
}

// parsel's shortening of a selector's data in its repr.
std::string shortened(std::string data) {
  constexpr std::size_t width = 40;
  std::size_t chars = 0, cut = 0;
  for (std::size_t i = 0; i < data.size();) {
    if (chars == width - 3) cut = i;
    next_code_point(data, i);
    ++chars;
  }
  if (chars > width) data = data.substr(0, cut) + "...";
  return data;
}

std::string repr_of_selector(const selector& sel, const std::string& query) {
  return fmt::format("<Selector query={} data={}>", python_repr(query), python_repr(shortened(sel.get())));
}

// A long body is cut: a page is read with css() and re(), not scrolled through.
constexpr std::size_t body_shown = 1000;
std::string repr_of_long_text(std::string_view text) {
  if (text.size() <= body_shown) return python_repr(text);
  auto cut = body_shown;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // whole characters
  return fmt::format("{} ... ({} bytes in all)", python_repr(text.substr(0, cut)), text.size());
}

std::string repr(const value& v) {
  struct visitor {
    std::string operator()(none) const { return "None"; }
    std::string operator()(long long n) const { return std::to_string(n); }
    std::string operator()(const std::string& s) const { return python_repr(s); }
    std::string operator()(const string_list& l) const { return repr_of_list(l); }
    std::string operator()(const selection& s) const {
      std::string out = "[";
      for (std::size_t i = 0; i < s.list.size(); ++i) out += (i ? ", " : "") + repr_of_selector(s.list[i], s.query);
      return out + "]";
    }
    std::string operator()(const one_selection& s) const { return repr_of_selector(s.sel, s.query); }
    std::string operator()(const http_headers& h) const {
      // Scrapy's Headers: a dict of lists, one key a name.
      std::vector<std::pair<std::string, string_list>> grouped;
      for (const auto& field : h) {
        auto same =
            std::find_if(grouped.begin(), grouped.end(), [&](const auto& g) { return iequals(g.first, field.first); });
        if (same == grouped.end()) grouped.push_back({field.first, {field.second}});
        else same->second.push_back(field.second);
      }
      std::string out = "{";
      for (std::size_t i = 0; i < grouped.size(); ++i)
        out += fmt::format("{}{}: {}", i ? ", " : "", python_repr(grouped[i].first), repr_of_list(grouped[i].second));
      return out + "}";
    }
    std::string operator()(const response_ptr& r) const { return fmt::format("<{} {}>", r->status(), r->url()); }
    std::string operator()(const page_text& t) const { return repr_of_long_text(t.text); }
  };
  return std::visit(visitor{}, v);
}

// ---- Evaluation -------------------------------------------------------------------------------

void expect_arguments(const step& s, std::size_t least, std::size_t most) {
  const auto given = s.args.size();
  if (s.type != step::kind::call && least > 0)
    throw shell_error(fmt::format("TypeError: {} is a method: call it, {}(...)", s.name, s.name));
  if (given >= least && given <= most) return;
  std::string wanted = least == most ? fmt::format("{} argument{}", least, least == 1 ? "" : "s")
                                     : fmt::format("{} to {} arguments", least, most);
  throw shell_error(fmt::format("TypeError: {}() takes {} ({} given)", s.name, wanted, given));
}

std::string string_argument(const step& s, std::size_t index) {
  const auto* text = std::get_if<std::string>(&s.args[index]);
  if (!text) throw shell_error(fmt::format("TypeError: {}() wants a string argument", s.name));
  return *text;
}

[[noreturn]] void no_attribute(const value& receiver, const step& s) {
  throw shell_error(fmt::format("AttributeError: '{}' object has no attribute '{}'", type_name(receiver), s.name));
}

value optional_string(std::optional<std::string> s) {
  if (s) return std::move(*s);
  return none{};
}

// Selector queries and regular expressions report their own mistakes.
template <class F>
auto selecting(F&& work) {
  try {
    return work();
  } catch (const selector_error& e) {
    throw shell_error(fmt::format("SelectorError: {}", e.what()));
  } catch (const not_supported& e) {
    throw shell_error(fmt::format("NotSupported: {}", e.what()));
  }
}

std::string joined_query(const std::string& before, const std::string& query) {
  return before.empty() ? query : before + " " + query;
}

// Methods shared by a selection and one selector (parsel's SelectorList and Selector).
template <class S>
value selector_method(const value& receiver, const S& target, const std::string& query, const step& s) {
  if (s.name == "css") {
    expect_arguments(s, 1, 1);
    auto q = string_argument(s, 0);
    return selecting([&] { return value(selection{target.css(q), joined_query(query, q)}); });
  }
  if (s.name == "xpath") {
    expect_arguments(s, 1, 1);
    auto q = string_argument(s, 0);
    return selecting([&] { return value(selection{target.xpath(q), joined_query(query, q)}); });
  }
  if (s.name == "re") {
    expect_arguments(s, 1, 1);
    return selecting([&] { return value(target.re(string_argument(s, 0))); });
  }
  if (s.name == "re_first") {
    expect_arguments(s, 1, 1);
    return selecting([&] { return optional_string(target.re_first(string_argument(s, 0))); });
  }
  if (s.name == "attrib") {
    expect_arguments(s, 1, 1);
    return optional_string(target.attrib(string_argument(s, 0)));
  }
  no_attribute(receiver, s);
}

value index_into(const value& receiver, const step& s) {
  const auto* index = std::get_if<long long>(&s.args[0]);
  if (!index) throw shell_error("TypeError: list indices must be integers");
  auto at = [&](std::size_t size) {
    long long i = *index < 0 ? *index + static_cast<long long>(size) : *index;
    if (i < 0 || i >= static_cast<long long>(size)) throw shell_error("IndexError: list index out of range");
    return static_cast<std::size_t>(i);
  };
  if (const auto* l = std::get_if<string_list>(&receiver)) return (*l)[at(l->size())];
  if (const auto* sel = std::get_if<selection>(&receiver)) return one_selection{sel->list[at(sel->list.size())], sel->query};
  throw shell_error(fmt::format("TypeError: '{}' object is not subscriptable", type_name(receiver)));
}

const response& current_page(const shell_context& context) {
  if (!context.page) throw shell_error("NameError: there is no page yet: fetch(\"URL\") one first");
  return *context.page;
}

// A method of a value, or a subscript.
value apply_step(const value& receiver, const step& s) {
  if (s.type == step::kind::subscript) return index_into(receiver, s);
  if (const auto* sel = std::get_if<selection>(&receiver)) {
    if (s.name == "get" || s.name == "extract_first") {
      expect_arguments(s, 0, 1);
      auto first = sel->list.first();
      if (!first && !s.args.empty()) return string_argument(s, 0);
      return optional_string(first);
    }
    if (s.name == "getall" || s.name == "extract") {
      expect_arguments(s, 0, 0);
      return sel->list.getall();
    }
    return selector_method(receiver, sel->list, sel->query, s);
  }
  if (const auto* one = std::get_if<one_selection>(&receiver)) {
    if (s.name == "get" || s.name == "extract") {
      expect_arguments(s, 0, 0);
      return one->sel.get();
    }
    if (s.name == "getall") {
      expect_arguments(s, 0, 0);
      return string_list{one->sel.get()};
    }
    return selector_method(receiver, one->sel, one->query, s);
  }
  if (const auto* text = std::get_if<std::string>(&receiver); text && s.name == "strip") {
    expect_arguments(s, 0, 0);
    auto begin = text->find_first_not_of(" \t\r\n\f\v");
    if (begin == std::string::npos) return std::string();
    return text->substr(begin, text->find_last_not_of(" \t\r\n\f\v") - begin + 1);
  }
  if (const auto* headers = std::get_if<http_headers>(&receiver); headers && s.name == "get") {
    expect_arguments(s, 1, 1);
    auto found = headers->get(string_argument(s, 0));
    return found ? value(std::string(*found)) : value(none{});
  }
  if (const auto* page = std::get_if<response_ptr>(&receiver)) {
    if (s.name == "status") return static_cast<long long>((*page)->status());
    if (s.name == "url") return (*page)->url();
    if (s.name == "headers") return (*page)->headers();
    if (s.name == "body") return page_text{(*page)->body()};
    if (s.name == "text") return page_text{std::string((*page)->text())};
    if (s.name == "css") {
      expect_arguments(s, 1, 1);
      auto q = string_argument(s, 0);
      return selecting([&] { return value(selection{(*page)->css(q), q}); });
    }
    if (s.name == "xpath") {
      expect_arguments(s, 1, 1);
      auto q = string_argument(s, 0);
      return selecting([&] { return value(selection{(*page)->xpath(q), q}); });
    }
    if (s.name == "re" || s.name == "re_first") {
      // Over the whole text of the page, as parsel's Selector(text=...).re does.
      selector whole(nullptr, std::string((*page)->text()), selector::kind::text);
      return selector_method(receiver, whole, "", s);
    }
  }
  no_attribute(receiver, s);
}

// The first step: a name of the shell, or a method of the current page called as a function.
value start(const step& s, shell_context& context) {
  if (s.name == "fetch") {
    expect_arguments(s, 1, 1);
    context.page = context.fetch(string_argument(s, 0));
    return context.page;
  }
  if (s.name == "response") return context.page ? value(context.page) : value(none{});
  static constexpr std::array page_names{"status", "url", "headers", "body", "text", "css", "xpath", "re", "re_first"};
  if (std::find(page_names.begin(), page_names.end(), s.name) == page_names.end())
    throw shell_error(fmt::format("NameError: name '{}' is not defined (help lists what there is)", s.name));
  current_page(context);
  return apply_step(context.page, s);
}

}  // namespace

expression parse_expression(std::string_view line) { return parser(line).parse(); }

std::string python_repr(std::string_view text) {
  const bool has_single = text.find('\'') != std::string_view::npos;
  const char quote = has_single && text.find('"') == std::string_view::npos ? '"' : '\'';
  std::string out(1, quote);
  for (std::size_t i = 0; i < text.size();) {
    const auto start = i;
    const auto cp = next_code_point(text, i);
    if (cp == '\\' || cp == static_cast<unsigned char>(quote)) {
      out += '\\';
      out += static_cast<char>(cp);
    } else if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\t') {
      out += "\\t";
    } else if (cp == '\r') {
      out += "\\r";
    } else if (escaped_in_repr(cp)) {
      out += cp <= 0xFF ? fmt::format("\\x{:02x}", cp) : fmt::format("\\u{:04x}", cp);
    } else {
      out.append(text.substr(start, i - start));
    }
  }
  return out + quote;
}

std::string help_text() {
  return "Available objects and shortcuts:\n"
         "  response                the current page, <STATUS URL>\n"
         "  status, url, headers    of the current page\n"
         "  body, text              the body, and the body decoded as text (a long one is cut)\n"
         "  css(\"query\")            a SelectorList; on it .get(), .getall(), .css(...), .re(...),\n"
         "                          .re_first(...), .attrib(\"name\"), [index]\n"
         "  re(r\"regex\")            every match in the page's text (re_first: the first one)\n"
         "  fetch(\"URL\")            download URL (it may be relative) and make it the current page\n"
         "  xpath(\"query\")          the same with XPath 1.0: xpath(\"//a/@href\").getall(), count(//a),\n"
         "                          re:test(...), has-class(...); chains with css() both ways\n"
         "  help                    this text\n"
         "  exit, quit              leave (Ctrl-D too)";
}

std::optional<std::string> run_line(std::string_view line, shell_context& context) {
  const auto steps = parse_expression(line);
  if (steps.empty()) return std::nullopt;
  const auto& first = steps.front();
  if (steps.size() == 1 && first.args.empty()) {
    if (first.name == "exit" || first.name == "quit") {
      context.finished = true;
      return std::nullopt;
    }
    if (first.name == "help" || first.name == "shelp") return help_text();
  }
  if (first.type == step::kind::subscript) throw shell_error("SyntaxError: a line starts with a name");
  auto result = start(first, context);
  for (std::size_t i = 1; i < steps.size(); ++i) result = apply_step(result, steps[i]);
  return repr(result);
}

}  // namespace orbweaver::launcher::shell
