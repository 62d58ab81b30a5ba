#pragma once
// Item loaders, as Scrapy's ItemLoader (itemloaders): values are collected per field from CSS or
// XPath matches or given directly, each batch passing through the field's input processor as it is
// added; load_item() passes each field's collected values through its output processor.
//   item_loader l(r, book);               // a response (or selector) and, optionally, declared fields
//   l.default_out(take_first());
//   l.add_css("title", "h1::text");
//   l.add_css("price", "p.price::text", to_number());
//   l.add_xpath("rating", "//span[@class='rating']/text()");
//   l.add_value("url", r.url());
//   out.emit(l.load_item());
// Processors, most specific first: the loader's field_in/field_out, then the declared field's
// input/output, then the loader's default_in/default_out (identity: a field's value is the list
// of its values, as in Scrapy). As in itemloaders, a null value or an empty list adds nothing, a
// field whose output is null is left out of the item, and "" is a value (take_first skips it);
// nulls inside a list are kept unless a processor drops them (map_compose does). With declared
// fields, an undeclared field throws value_error and load_item() keeps the declared order. Copies
// of a loader (and nested ones) add to the same values. A loader belongs to one callback: it keeps
// pointers to the response (or copies the selector) and the declaration, which must outlive it.
#include <orbweaver/item_fields.hpp>
#include <orbweaver/selector.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace orbweaver {

class response;

// --- Built-in processors -------------------------------------------------------------------

// The values as they are (a list).
processor identity();
// The first value that is neither null nor "" (null when there is none): TakeFirst.
processor take_first();
// The values as text joined by `separator` (strings as they are, other values as JSON): Join.
processor join(std::string separator = " ");
// Each string without leading and trailing whitespace (ASCII and U+00A0): MapCompose(str.strip).
processor strip();
// Each value as a number, by number_in_text(); values without a number are dropped.
processor to_number();

// The first number written in `text` as JSON: an optional "-" or "+", digits with optional ","
// thousands separators, an optional "." and decimals; the commas are dropped. int64 without a
// decimal point (when it fits), double otherwise; null when the text has no digit.
//   "£51.77" -> 51.77, "1,234" -> 1234, "In stock (22 available)" -> 22, "-3.5 °C" -> -3.5
json::value number_in_text(std::string_view text);

namespace detail {
using value_function = std::function<json::value(const json::value&)>;
// A function of one value: called with a json::value when it takes one, else with the text of
// string values only (others pass unchanged); its result converted as a processor's is.
template <class F>
value_function one_value_function(F f) {
  if constexpr (std::invocable<F&, const json::value&>) {
    return [f = std::move(f)](const json::value& v) mutable { return to_json_value(f(v)); };
  } else {
    static_assert(std::invocable<F&, std::string>, "a function of a json::value or of a std::string");
    return [f = std::move(f)](const json::value& v) mutable {
      if (!v.is_string()) return v;
      return to_json_value(f(std::string(v.get_string())));
    };
  }
}
processor map_compose_of(std::vector<value_function> functions);
processor compose_of(std::vector<value_function> functions);
}  // namespace detail

// Each function in turn over every value (MapCompose): a null result drops the value, an array
// result is spread into several values. A function takes a json::value or a std::string (then
// only string values go through it).
template <class... F>
processor map_compose(F... functions) {
  return detail::map_compose_of({detail::one_value_function(std::move(functions))...});
}
// The functions chained over the whole list (Compose): the first gets the values as a json::array,
// each next one the result before it; a null result stops the chain and is the output.
template <class... F>
processor compose(F... functions) {
  return detail::compose_of({detail::one_value_function(std::move(functions))...});
}

// --- The loader ------------------------------------------------------------------------------

class item_loader {
 public:
  item_loader();
  explicit item_loader(const item_fields& fields);
  explicit item_loader(const response& r);
  item_loader(const response& r, const item_fields& fields);
  explicit item_loader(selector_list s);
  item_loader(selector_list s, const item_fields& fields);
  item_loader(const response&&) = delete;  // the loader keeps a pointer to the response
  item_loader(const response&&, const item_fields&) = delete;

  item_loader& default_in(processor p);
  item_loader& default_out(processor p);
  item_loader& field_in(std::string_view field, processor p);   // Scrapy's <field>_in
  item_loader& field_out(std::string_view field, processor p);  // Scrapy's <field>_out

  // Adds `value` (a json::array is several values; null adds nothing), through `extra` first (as
  // Scrapy's add_value(name, value, *processors)) and then the field's input processor.
  template <class T>
  item_loader& add_value(std::string_view field, T&& value, processor extra = {}) {
    return add_values(field, detail::to_json_value(std::forward<T>(value)), extra, false);
  }
  template <class T>
  item_loader& replace_value(std::string_view field, T&& value, processor extra = {}) {
    return add_values(field, detail::to_json_value(std::forward<T>(value)), extra, true);
  }
  // The getall() of a CSS or XPath query over the loader's response or selector. Throws
  // std::logic_error for a loader made without either.
  item_loader& add_css(std::string_view field, std::string_view query, processor extra = {});
  item_loader& replace_css(std::string_view field, std::string_view query, processor extra = {});
  item_loader& add_xpath(std::string_view field, std::string_view query, processor extra = {});
  item_loader& replace_xpath(std::string_view field, std::string_view query, processor extra = {});

  // A loader over css(query) or xpath(query) of this one's selection that adds to this loader's
  // values (and shares its processors): ItemLoader.nested_css and nested_xpath.
  item_loader nested_css(std::string_view query) const;
  item_loader nested_xpath(std::string_view query) const;

  // The values collected for a field so far, after input processors.
  json::array get_collected_values(std::string_view field) const;
  // The field's output processor over its collected values; a processor that throws gives
  // value_error naming the field and its values.
  json::value get_output_value(std::string_view field) const;
  // Every field with collected values and a non-null output: in declared order with declared
  // fields, else in the order they were first added.
  item load_item() const;

 private:
  struct state;
  using source = std::variant<std::monostate, const response*, selector_list>;
  item_loader(std::shared_ptr<state> shared, source from);

  item_loader& add_values(std::string_view field, json::value value, const processor& extra, bool replace);
  enum class query_language { css, xpath };
  selector_list matches(query_language language, std::string_view query) const;
  const processor& input_for(std::string_view field) const;
  const processor& output_for(std::string_view field) const;

  std::shared_ptr<state> state_;
  source source_;
};

}  // namespace orbweaver
