#pragma once
// Requests that submit HTML form data, as Scrapy's FormRequest:
//   out.emit(form_request(search_url, {{"q", "lyon"}, {"page", "2"}}, &jobs::parse_results));
// posts "q=lyon&page=2" as application/x-www-form-urlencoded (with {.method = "GET"} the data is
// the URL's query instead), and
//   out.emit(form_request::from_response(r, {.formid = "login", .formdata = {{"user", "ann"}}},
//                                        &site::after_login));
// fills in a form of the page as a browser submits it: its hidden fields, checked boxes, selected
// options and texts, the clicked submit button, then formdata over them.
#include <orbweaver/error.hpp>
#include <orbweaver/request.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace orbweaver {

class response;

// Form fields in order, a name repeated for several values. A value of nullopt sends nothing: in
// from_response it removes the form's fields of that name.
using form_data = std::vector<std::pair<std::string, std::optional<std::string>>>;

// How from_response picks a form and what it sends. The form is the first one named formname,
// else the first with id formid, else (formcss) the first that the selector matches or that
// holds an element it matches, else the form numbered formnumber (from 0) in document order:
// as Scrapy, a formname or formid that names no form falls through to the next rule.
struct form_options {
  std::string formname{};
  std::string formid{};
  std::string formcss{};
  std::size_t formnumber = 0;
  // Fields over the form's: every field of a name given here is replaced by these values.
  form_data formdata{};
  // The submit button that is clicked (input type submit or image, or a button of type submit):
  // the first one unless clicknr (its index among them) or clickdata (attribute values that
  // exactly one of them has, such as {{"name", "go"}, {"value", "Search"}}) picks another. Its
  // name and value are sent, as a browser sends the button pressed.
  std::vector<std::pair<std::string, std::string>> clickdata{};
  std::optional<std::size_t> clicknr{};
  bool dont_click = false;  // submit without clicking any button
  // Where to submit, in place of the form's action (resolved against the page).
  std::string url{};
};

// A form that is not there, a clickdata that picks no button or several, an action that cannot be
// requested: the message names the page and what was asked for.
struct form_error : value_error {
  using value_error::value_error;
};

struct form_request : request {
  // POST the fields url-encoded (Content-Type application/x-www-form-urlencoded, unless options
  // set one), or with options.method "GET" put them in the URL's query, replacing its query.
  form_request(std::string u, const form_data& data, request_options options = {})
      : form_request(request(std::move(u), posted(std::move(options))), data) {}
  form_request(std::string u, const form_data& data, callback_fn cb, request_options options = {})
      : form_request(request(std::move(u), std::move(cb), posted(std::move(options))), data) {}
  template <class S>
  form_request(std::string u, const form_data& data, void (S::*cb)(const response&, output&),
               request_options options = {})
      : form_request(request(std::move(u), cb, posted(std::move(options))), data) {}
  template <class S, class E>
  form_request(std::string u, const form_data& data, void (S::*cb)(const response&, output&),
               void (E::*eb)(const failure&, output&), request_options options = {})
      : form_request(request(std::move(u), cb, eb, posted(std::move(options))), data) {}

  // The submission of a form of `page` (see form_options). Its method is the form's (GET unless
  // it says POST), or options.method; its URL the form's action resolved against the page and
  // its <base href> (no action or an empty one: the page itself). Throws form_error.
  static form_request from_response(const response& page, const form_options& form = {}, callback_fn cb = {},
                                    request_options options = {}) {
    const bool method_given = !options.method.empty();
    return submit(page, form, request({}, std::move(cb), std::move(options)), method_given);
  }
  static form_request from_response(const response& page, const form_options& form, request_options options) {
    const bool method_given = !options.method.empty();
    return submit(page, form, request({}, std::move(options)), method_given);
  }
  template <class S>
  static form_request from_response(const response& page, const form_options& form,
                                    void (S::*cb)(const response&, output&), request_options options = {}) {
    const bool method_given = !options.method.empty();
    return submit(page, form, request({}, cb, std::move(options)), method_given);
  }
  template <class S, class E>
  static form_request from_response(const response& page, const form_options& form,
                                    void (S::*cb)(const response&, output&), void (E::*eb)(const failure&, output&),
                                    request_options options = {}) {
    const bool method_given = !options.method.empty();
    return submit(page, form, request({}, cb, eb, std::move(options)), method_given);
  }

 private:
  // The request made, with the data as its body (POST and other methods) or its query (GET).
  form_request(request r, const form_data& data);
  static request_options posted(request_options options) {
    if (options.method.empty()) options.method = "POST";
    return options;
  }
  static form_request submit(const response& page, const form_options& form, request prototype, bool method_given);
};

// name=value pairs joined by '&' as HTML's application/x-www-form-urlencoded serializer writes
// them: UTF-8, every byte but ASCII letters, digits and *-._ percent-encoded, spaces as '+'.
// Fields whose value is nullopt are left out.
std::string urlencode_form(const form_data& data);

}  // namespace orbweaver
