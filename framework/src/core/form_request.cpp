// form_request: url-encoded form data, and forms of a page submitted as a browser submits them
// (the HTML Standard's "constructing the entry list"), with Scrapy's FormRequest.from_response
// for choosing the form and the clicked button; and json_request, Scrapy's JsonRequest.
#include <orbweaver/form_request.hpp>

#include <orbweaver/response.hpp>
#include <orbweaver/url.hpp>

#include "core/plus_encoding.hpp"
#include "core/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace orbweaver {
namespace {

// The application/x-www-form-urlencoded percent-encode set leaves these bytes as they are.
bool is_form_safe(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '*' || c == '-' ||
         c == '.' || c == '_';
}

std::string describe(const response& page) { return fmt::format("<{} {}>", page.status(), page.url()); }

std::string lowered_attribute(const selector& element, std::string_view name) {
  return text::ascii_lowered(element.attrib(name).value_or(""));
}

bool has_attribute(const selector& element, std::string_view name) { return element.attrib(name).has_value(); }

// Line breaks in names and values become CRLF, as browsers send a form's fields.
std::string with_crlf(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r' || s[i] == '\n') {
      out += "\r\n";
      if (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') ++i;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// An option's value: its value attribute, else its text with whitespace stripped and collapsed.
std::string option_value(const selector& option) {
  if (auto value = option.attrib("value")) return *value;
  std::string collapsed;
  for (char c : option.text()) {
    if (!text::is_html_space(c))
      collapsed.push_back(c);
    else if (!collapsed.empty() && collapsed.back() != ' ')
      collapsed.push_back(' ');
  }
  if (!collapsed.empty() && collapsed.back() == ' ') collapsed.pop_back();
  return collapsed;
}

// What a <select> sends: every selected option of a multiple one; otherwise the selected option
// (the last one marked, as browsers keep only it), else the first that is not disabled.
std::vector<std::string> select_values(const selector& select) {
  const selector_list options = select.css("option");
  std::vector<std::string> values;
  if (has_attribute(select, "multiple")) {
    for (const auto& option : options)
      if (has_attribute(option, "selected") && !has_attribute(option, "disabled")) values.push_back(option_value(option));
    return values;
  }
  auto selected = std::find_if(options.rbegin(), options.rend(),
                               [](const selector& option) { return has_attribute(option, "selected"); });
  if (selected != options.rend()) return {option_value(*selected)};
  auto enabled = std::find_if(options.begin(), options.end(),
                              [](const selector& option) { return !has_attribute(option, "disabled"); });
  if (enabled != options.end()) values.push_back(option_value(*enabled));
  return values;
}

// What an <input> of this type sends: nothing for buttons and files (the clicked button is added
// apart), checkboxes and radios only when checked ("on" without a value), text with the line
// breaks a text field cannot hold removed.
std::optional<std::string> input_value(const selector& input, std::string_view type) {
  if (type == "submit" || type == "image" || type == "reset" || type == "button" || type == "file") return std::nullopt;
  std::string value = input.attrib("value").value_or("");
  if (type == "checkbox" || type == "radio") {
    if (!has_attribute(input, "checked")) return std::nullopt;
    return value.empty() && !has_attribute(input, "value") ? "on" : value;
  }
  if (type == "hidden") return value;
  std::erase_if(value, [](char c) { return c == '\r' || c == '\n'; });
  if (type == "email" || type == "url") return std::string(text::trim_html_space(value));
  return value;
}

bool is_clickable(const selector& control) {
  if (has_attribute(control, "disabled")) return false;
  const std::string type = lowered_attribute(control, "type");
  if (control.tag() == "input") return type == "submit" || type == "image";
  return type != "reset" && type != "button";  // a <button> submits unless it says otherwise
}

struct form_fields {
  std::vector<std::pair<std::string, std::string>> fields;
  std::vector<selector> clickables;
};

// The form's successful controls in document order, and the buttons that can submit it.
form_fields read_controls(const selector& form) {
  form_fields out;
  for (const auto& control : form.css("input, select, textarea, button")) {
    const std::string_view tag = control.tag();
    if (tag == "button" || (tag == "input" && is_clickable(control))) {
      if (is_clickable(control)) out.clickables.push_back(control);
      continue;
    }
    const std::string name = control.attrib("name").value_or("");
    if (name.empty() || has_attribute(control, "disabled")) continue;
    std::vector<std::string> values;
    if (tag == "select") {
      values = select_values(control);
    } else if (tag == "textarea") {
      values.push_back(control.text());
    } else {
      const std::string type = lowered_attribute(control, "type");
      if (auto value = input_value(control, type.empty() ? "text" : type)) values.push_back(std::move(*value));
    }
    for (const auto& value : values) out.fields.emplace_back(with_crlf(name), with_crlf(value));
  }
  return out;
}

std::string describe_clickdata(const form_options& form) {
  if (form.clicknr) return fmt::format("clicknr {}", *form.clicknr);
  std::string pairs;
  for (const auto& [attribute, value] : form.clickdata)
    pairs += fmt::format("{}{}=\"{}\"", pairs.empty() ? "" : ", ", attribute, value);
  return "clickdata {" + pairs + "}";
}

// The button clicked: none with dont_click, the one clicknr or clickdata picks, else the first.
std::optional<selector> clicked_button(const std::vector<selector>& clickables, const form_options& form,
                                       const response& page) {
  if (form.dont_click) return std::nullopt;
  if (form.clicknr) {
    if (*form.clicknr < clickables.size()) return clickables[*form.clicknr];
    throw form_error(fmt::format("no button matches {} in the form of {}: it has {} submit buttons",
                                 describe_clickdata(form), describe(page), clickables.size()));
  }
  if (form.clickdata.empty()) {
    if (clickables.empty()) return std::nullopt;
    return clickables.front();
  }
  std::vector<selector> matches;
  for (const auto& button : clickables) {
    const bool all_equal = std::all_of(form.clickdata.begin(), form.clickdata.end(), [&](const auto& wanted) {
      return button.attrib(wanted.first) == wanted.second;
    });
    if (all_equal) matches.push_back(button);
  }
  if (matches.size() == 1) return matches.front();
  if (matches.empty())
    throw form_error(fmt::format("no button matches {} in the form of {}", describe_clickdata(form), describe(page)));
  throw form_error(fmt::format("{} buttons match {} in the form of {}: give more attributes or clicknr",
                               matches.size(), describe_clickdata(form), describe(page)));
}

std::optional<selector> first_with(const selector_list& forms, std::string_view attribute, std::string_view value) {
  for (const auto& form : forms)
    if (form.attrib(attribute) == value) return form;
  return std::nullopt;
}

selector choose_form(const response& page, const form_options& options) {
  const selector_list forms = page.css("form");
  if (forms.empty()) throw form_error(fmt::format("no <form> element in {}", describe(page)));
  if (!options.formname.empty())
    if (auto form = first_with(forms, "name", options.formname)) return *form;
  if (!options.formid.empty())
    if (auto form = first_with(forms, "id", options.formid)) return *form;
  if (!options.formcss.empty()) {
    // Checked alone first: inside :is() a mistake would quietly match nothing.
    if (page.css(options.formcss).empty())
      throw form_error(fmt::format("no element matches css(\"{}\") in {}", options.formcss, describe(page)));
    const std::string around = fmt::format("form:is({0}), form:has(:is({0}))", options.formcss);
    const selector_list matching = page.css(around);
    if (matching.empty())
      throw form_error(fmt::format("no <form> element matches or holds what css(\"{}\") matches in {}",
                                   options.formcss, describe(page)));
    return matching.front();
  }
  if (!options.formxpath.empty()) {
    if (page.xpath(options.formxpath).empty())
      throw form_error(fmt::format("no node matches xpath(\"{}\") in {}", options.formxpath, describe(page)));
    // As Scrapy: the first node selected, then its nearest ancestor that is a form.
    const std::string around = fmt::format("({})[1]/ancestor-or-self::form[1]", options.formxpath);
    selector_list matching;
    try {
      matching = page.xpath(around);
    } catch (const selector_error&) {
      throw form_error(fmt::format("xpath(\"{}\") selects no nodes in {} (a number or a string), so no form holds them",
                                   options.formxpath, describe(page)));
    }
    if (matching.empty())
      throw form_error(fmt::format("no <form> element is or holds the first node xpath(\"{}\") selects in {}",
                                   options.formxpath, describe(page)));
    return matching.front();
  }
  if (options.formnumber < forms.size()) return forms[options.formnumber];
  throw form_error(fmt::format("no form number {} in {}: it has {} form{}", options.formnumber, describe(page),
                               forms.size(), forms.size() == 1 ? "" : "s"));
}

std::string form_target(const response& page, const selector& form, const form_options& options) {
  const std::string given = options.url.empty() ? form.attrib("action").value_or("") : options.url;
  const std::string_view href = text::trim_html_space(given);
  if (href.empty()) return url::normalize(page.url()).value_or(page.url());
  std::error_code why;
  if (auto target = page.urljoin(href, &why)) return *target;
  throw form_error(fmt::format("the form of {} submits to '{}', which cannot be requested: {}", describe(page), href,
                               why.message()));
}

}  // namespace

std::string urlencode_form(const form_data& data) {
  std::string out;
  for (const auto& [name, value] : data) {
    if (!value) continue;
    if (!out.empty()) out.push_back('&');
    text::append_plus_encoded(out, name, is_form_safe);
    out.push_back('=');
    text::append_plus_encoded(out, *value, is_form_safe);
  }
  return out;
}

std::string with_form_query(std::string_view url, const form_data& data) {
  std::string target(url.substr(0, url.find_first_of("?#")));
  if (std::string encoded = urlencode_form(data); !encoded.empty()) target += "?" + encoded;
  return target;
}

form_request::form_request(request r, const form_data& data, bool query_when_get) : request(std::move(r)) {
  if (query_when_get && iequals(method, "GET")) {
    url = with_form_query(url, data);
    return;
  }
  if (iequals(method, "GET")) method = "POST";
  headers.set_default("Content-Type", "application/x-www-form-urlencoded");
  body = urlencode_form(data);
}

form_request form_request::submit(const response& page, const form_options& options, request prototype) {
  const selector form = choose_form(page, options);
  form_fields controls = read_controls(form);

  std::set<std::string, std::less<>> overridden;
  for (const auto& field : options.formdata) overridden.insert(field.first);
  form_data data;
  for (auto& [name, value] : controls.fields)
    if (!overridden.contains(name)) data.emplace_back(std::move(name), std::move(value));
  if (auto button = clicked_button(controls.clickables, options, page)) {
    std::string name = button->attrib("name").value_or("");
    if (!name.empty() && !overridden.contains(name))
      data.emplace_back(with_crlf(name), with_crlf(button->attrib("value").value_or("")));
  }
  data.insert(data.end(), options.formdata.begin(), options.formdata.end());

  prototype.url = form_target(page, form, options);
  if (options.method.empty()) {
    prototype.method = lowered_attribute(form, "method") == "post" ? "POST" : "GET";
  } else {
    prototype.method = options.method;
    for (char& c : prototype.method) c = c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c;
  }
  return form_request(std::move(prototype), data, true);
}

request json_request(std::string url, const json::value& value, request_options options) {
  request r(std::move(url), std::move(options));
  if (iequals(r.method, "GET")) r.method = "POST";
  r.body = json::serialize(value);
  r.headers.set_default("Content-Type", "application/json");
  r.headers.set_default("Accept", "application/json, text/javascript, */*; q=0.01");
  return r;
}

request json_request(std::string url, const json::value& value, callback_fn cb, request_options options) {
  request r = json_request(std::move(url), value, std::move(options));
  r.callback = std::move(cb);
  return r;
}

}  // namespace orbweaver
