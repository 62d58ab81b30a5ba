#include <orbweaver/item_loader.hpp>
#include <orbweaver/response.hpp>

#include <fmt/format.h>

#include <charconv>
#include <stdexcept>

namespace orbweaver {

// --- Built-in processors -------------------------------------------------------------------

namespace {

// itemloaders' arg_to_iter: null is no value, a list is its values, anything else one value.
void append_values(json::array& to, json::value v) {
  if (v.is_null()) return;
  if (v.is_array()) {
    for (auto& element : v.get_array()) to.push_back(std::move(element));
  } else {
    to.push_back(std::move(v));
  }
}

std::string text_of(const json::value& v) { return v.is_string() ? std::string(v.get_string()) : json::serialize(v); }

bool is_space_at(std::string_view s, std::size_t i, std::size_t& width) {
  static constexpr std::string_view ascii = " \t\n\r\f\v";
  if (ascii.find(s[i]) != std::string_view::npos) {
    width = 1;
    return true;
  }
  if (s.substr(i, 2) == "\xC2\xA0") {  // U+00A0, which Python's str.strip removes too
    width = 2;
    return true;
  }
  return false;
}

std::string stripped(std::string_view s) {
  std::size_t width = 0;
  std::size_t begin = 0;
  while (begin < s.size() && is_space_at(s, begin, width)) begin += width;
  std::size_t end = s.size();
  while (end > begin) {
    if (is_space_at(s, end - 1, width)) {
      end -= 1;
    } else if (end - begin >= 2 && is_space_at(s, end - 2, width) && width == 2) {
      end -= 2;
    } else {
      break;
    }
  }
  return std::string(s.substr(begin, end - begin));
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

processor identity() {
  return [](json::array values) { return values; };
}

processor take_first() {
  return [](json::array values) -> json::value {
    for (auto& v : values)
      if (!v.is_null() && !(v.is_string() && v.get_string().empty())) return std::move(v);
    return nullptr;
  };
}

processor join(std::string separator) {
  return [separator = std::move(separator)](json::array values) {
    std::string joined;
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (i) joined += separator;
      joined += text_of(values[i]);
    }
    return joined;
  };
}

processor strip() {
  return map_compose([](std::string s) { return stripped(s); });
}

json::value number_in_text(std::string_view text) {
  std::size_t start = 0;
  while (start < text.size() && !is_digit(text[start])) ++start;
  if (start == text.size()) return nullptr;
  // A "." just before the digits starts the number (".5"), a sign before that makes it signed.
  if (start > 0 && text[start - 1] == '.') --start;
  bool negative = start > 0 && text[start - 1] == '-';
  std::string digits;
  std::size_t i = start;
  bool has_point = false;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (is_digit(c)) {
      digits += c;
    } else if (c == ',' && !has_point && !digits.empty() && i + 1 < text.size() && is_digit(text[i + 1])) {
      continue;  // a thousands separator
    } else if (c == '.' && !has_point && i + 1 < text.size() && is_digit(text[i + 1])) {
      has_point = true;
      digits += c;
    } else {
      break;
    }
  }
  if (digits.front() == '.') digits.insert(digits.begin(), '0');
  if (negative) digits.insert(digits.begin(), '-');
  if (!has_point) {
    std::int64_t whole = 0;
    auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), whole);
    if (error == std::errc{} && end == digits.data() + digits.size()) return whole;
  }
  return std::stod(digits);
}

processor to_number() {
  return map_compose([](const json::value& v) -> json::value {
    if (v.is_number()) return v;
    if (v.is_string()) return number_in_text(v.get_string());
    return nullptr;
  });
}

namespace detail {

processor map_compose_of(std::vector<value_function> functions) {
  return [functions = std::move(functions)](json::array values) {
    for (const auto& f : functions) {
      json::array next;
      for (const auto& v : values) append_values(next, f(v));
      values = std::move(next);
    }
    return values;
  };
}

processor compose_of(std::vector<value_function> functions) {
  return [functions = std::move(functions)](json::array values) {
    json::value result = std::move(values);
    for (const auto& f : functions) {
      if (result.is_null()) break;
      result = f(result);
    }
    return result;
  };
}

}  // namespace detail

// --- The loader ------------------------------------------------------------------------------

struct item_loader::state {
  const item_fields* fields = nullptr;
  processor default_input;
  processor default_output;
  std::vector<std::pair<std::string, processor>> field_inputs;
  std::vector<std::pair<std::string, processor>> field_outputs;
  std::vector<std::pair<std::string, json::array>> values;  // in the order fields were first added

  json::array* values_of(std::string_view field) {
    for (auto& [name, list] : values)
      if (name == field) return &list;
    return nullptr;
  }
};

namespace {
const processor* find_processor(const std::vector<std::pair<std::string, processor>>& set, std::string_view field) {
  for (const auto& [name, p] : set)
    if (name == field) return &p;
  return nullptr;
}
void set_processor(std::vector<std::pair<std::string, processor>>& set, std::string_view field, processor p) {
  for (auto& [name, existing] : set)
    if (name == field) {
      existing = std::move(p);
      return;
    }
  set.emplace_back(std::string(field), std::move(p));
}
const processor& identity_processor() {
  static const processor instance = identity();
  return instance;
}
}  // namespace

item_loader::item_loader(std::shared_ptr<state> shared, source from)
    : state_(std::move(shared)), source_(std::move(from)) {}

item_loader::item_loader() : item_loader(std::make_shared<state>(), std::monostate{}) {}
item_loader::item_loader(const item_fields& fields) : item_loader() { state_->fields = &fields; }
item_loader::item_loader(const response& r) : item_loader(std::make_shared<state>(), &r) {}
item_loader::item_loader(const response& r, const item_fields& fields) : item_loader(r) { state_->fields = &fields; }
item_loader::item_loader(selector_list s) : item_loader(std::make_shared<state>(), std::move(s)) {}
item_loader::item_loader(selector_list s, const item_fields& fields) : item_loader(std::move(s)) {
  state_->fields = &fields;
}

item_loader& item_loader::default_in(processor p) {
  state_->default_input = std::move(p);
  return *this;
}
item_loader& item_loader::default_out(processor p) {
  state_->default_output = std::move(p);
  return *this;
}
item_loader& item_loader::field_in(std::string_view field, processor p) {
  set_processor(state_->field_inputs, field, std::move(p));
  return *this;
}
item_loader& item_loader::field_out(std::string_view field, processor p) {
  set_processor(state_->field_outputs, field, std::move(p));
  return *this;
}

const processor& item_loader::input_for(std::string_view field) const {
  if (auto* p = find_processor(state_->field_inputs, field); p && *p) return *p;
  if (state_->fields)
    if (auto* declared = state_->fields->find(field); declared && declared->input_processor())
      return declared->input_processor();
  return state_->default_input ? state_->default_input : identity_processor();
}

const processor& item_loader::output_for(std::string_view field) const {
  if (auto* p = find_processor(state_->field_outputs, field); p && *p) return *p;
  if (state_->fields)
    if (auto* declared = state_->fields->find(field); declared && declared->output_processor())
      return declared->output_processor();
  return state_->default_output ? state_->default_output : identity_processor();
}

item_loader& item_loader::add_values(std::string_view field, json::value value, const processor& extra, bool replace) {
  if (state_->fields && !state_->fields->contains(field))
    throw value_error(fmt::format("{} item has no field '{}' (declared: {})", state_->fields->type_name(), field,
                                  fmt::join(state_->fields->names(), ", ")));
  if (replace)
    std::erase_if(state_->values, [field](const auto& entry) { return entry.first == field; });
  json::array values;
  append_values(values, std::move(value));
  try {
    if (extra) {
      json::array given = std::move(values);
      values.clear();
      append_values(values, extra(std::move(given)));
    }
    json::array processed;
    append_values(processed, input_for(field)(std::move(values)));
    values = std::move(processed);
  } catch (const std::exception& e) {
    throw value_error(fmt::format("input processor of field '{}' failed: {}", field, e.what()));
  }
  if (values.empty()) return *this;
  auto* collected = state_->values_of(field);
  if (!collected) collected = &state_->values.emplace_back(std::string(field), json::array()).second;
  for (auto& v : values) collected->push_back(std::move(v));
  return *this;
}

selector_list item_loader::matches(query_language language, std::string_view query) const {
  const bool css = language == query_language::css;
  if (auto* r = std::get_if<const response*>(&source_)) return css ? (*r)->css(query) : (*r)->xpath(query);
  if (auto* s = std::get_if<selector_list>(&source_)) return css ? s->css(query) : s->xpath(query);
  throw std::logic_error(fmt::format("{}(\"{}\") on an item_loader made without a response or a selector",
                                     css ? "css" : "xpath", query));
}

namespace {
json::array as_values(const std::vector<std::string>& texts) {
  json::array values;
  values.reserve(texts.size());
  for (const auto& t : texts) values.emplace_back(t);
  return values;
}
}  // namespace

item_loader& item_loader::add_css(std::string_view field, std::string_view query, processor extra) {
  return add_values(field, as_values(matches(query_language::css, query).getall()), extra, false);
}

item_loader& item_loader::replace_css(std::string_view field, std::string_view query, processor extra) {
  return add_values(field, as_values(matches(query_language::css, query).getall()), extra, true);
}

item_loader& item_loader::add_xpath(std::string_view field, std::string_view query, processor extra) {
  return add_values(field, as_values(matches(query_language::xpath, query).getall()), extra, false);
}

item_loader& item_loader::replace_xpath(std::string_view field, std::string_view query, processor extra) {
  return add_values(field, as_values(matches(query_language::xpath, query).getall()), extra, true);
}

item_loader item_loader::nested_css(std::string_view query) const {
  return item_loader(state_, matches(query_language::css, query));
}

item_loader item_loader::nested_xpath(std::string_view query) const {
  return item_loader(state_, matches(query_language::xpath, query));
}

json::array item_loader::get_collected_values(std::string_view field) const {
  auto* collected = state_->values_of(field);
  return collected ? *collected : json::array();
}

json::value item_loader::get_output_value(std::string_view field) const {
  auto values = get_collected_values(field);
  try {
    return output_for(field)(values);
  } catch (const std::exception& e) {
    throw value_error(fmt::format("output processor of field '{}' failed on {}: {}", field,
                                  json::serialize(values), e.what()));
  }
}

item item_loader::load_item() const {
  item result;
  auto put = [&](const std::string& field) {
    auto value = get_output_value(field);
    if (!value.is_null()) result.emplace(field, std::move(value));
  };
  if (state_->fields) {
    for (const auto& f : state_->fields->fields())
      if (state_->values_of(f.name())) put(f.name());
  } else {
    for (const auto& entry : state_->values) put(entry.first);
  }
  return result;
}

}  // namespace orbweaver
