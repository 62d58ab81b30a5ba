#pragma once
// Requests with a body to fill in: HTML form data, as Scrapy's FormRequest, and JSON, as its
// JsonRequest.
//   out.emit(form_request(search_url, {{"q", "lyon"}, {"page", "2"}}, &jobs::parse_results));
// posts "q=lyon&page=2" as application/x-www-form-urlencoded (with_form_query puts it in a URL's
// query instead), and
//   out.emit(form_request::from_response(r, {.formid = "login", .formdata = {{"user", "ann"}}},
//                                        &site::after_login));
// fills in a form of the page as a browser submits it: its hidden fields, checked boxes, selected
// options and texts, the clicked submit button, then formdata over them.
#include <orbweaver/error.hpp>
#include <orbweaver/item.hpp>
#include <orbweaver/request.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace orbweaver {

class response;

// Form fields in order, a name repeated for several values. A value of nullopt sends nothing: in
// from_response it removes the form's fields of that name.
using form_data = std::vector<std::pair<std::string, std::optional<std::string>>>;

// How from_response picks a form and what it sends. The form is the first one named formname,
// else the first with id formid, else (formcss) the first that the selector matches or that
// holds an element it matches, else (formxpath) the form that is or holds the first node the
// query selects, else the form numbered formnumber (from 0) in document order: as Scrapy, a
// formname or formid that names no form falls through to the next rule.
struct form_options {
  std::string formname{};
  std::string formid{};
  std::string formcss{};
  std::string formxpath{};
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
  // Where to submit, in place of the form's action (resolved against the page), and how ("GET",
  // "POST"), in place of the form's method.
  std::string url{};
  std::string method{};
};

// A form that is not there, a clickdata that picks no button or several, an action that cannot be
// requested: the message names the page and what was asked for.
struct form_error : value_error {
  using value_error::value_error;
};

struct form_request : request {
  // POST the fields url-encoded (Content-Type application/x-www-form-urlencoded, unless options
  // set one). options.method may name another method that carries a body (PUT, PATCH); its
  // default, GET, means POST here: for a GET with the fields in the query, request
  // with_form_query(url, data).
  form_request(std::string u, const form_data& data, request_options options = {})
      : form_request(request(std::move(u), std::move(options)), data) {}
  form_request(std::string u, const form_data& data, callback_fn cb, request_options options = {})
      : form_request(request(std::move(u), std::move(cb), std::move(options)), data) {}
  template <class S>
  form_request(std::string u, const form_data& data, void (S::*cb)(const response&, output&),
               request_options options = {})
      : form_request(request(std::move(u), cb, std::move(options)), data) {}
  template <class S, class E>
  form_request(std::string u, const form_data& data, void (S::*cb)(const response&, output&),
               void (E::*eb)(const failure&, output&), request_options options = {})
      : form_request(request(std::move(u), cb, eb, std::move(options)), data) {}

  // The submission of a form of `page` (see form_options): its URL the form's action resolved
  // against the page and its <base href> (no action or an empty one: the page itself), its
  // method the form's (GET unless it says POST) or form.method; options.method is not read.
  // A GET puts the fields in the query, replacing the action's. Throws form_error.
  static form_request from_response(const response& page, const form_options& form = {}, callback_fn cb = {},
                                    request_options options = {}) {
    return submit(page, form, request({}, std::move(cb), std::move(options)));
  }
  static form_request from_response(const response& page, const form_options& form, request_options options) {
    return submit(page, form, request({}, std::move(options)));
  }
  template <class S>
  static form_request from_response(const response& page, const form_options& form,
                                    void (S::*cb)(const response&, output&), request_options options = {}) {
    return submit(page, form, request({}, cb, std::move(options)));
  }
  template <class S, class E>
  static form_request from_response(const response& page, const form_options& form,
                                    void (S::*cb)(const response&, output&), void (E::*eb)(const failure&, output&),
                                    request_options options = {}) {
    return submit(page, form, request({}, cb, eb, std::move(options)));
  }

 private:
  // r with the data as its body, or as its query when r's method is GET (from_response only).
  form_request(request r, const form_data& data, bool query_when_get = false);
  static form_request submit(const response& page, const form_options& form, request prototype);
};

// url with its query (and fragment) replaced by the fields url-encoded, as a GET form sends them:
//   out.emit(request(with_form_query(search_url, {{"q", "lyon"}}), &jobs::parse_results));
std::string with_form_query(std::string_view url, const form_data& data);

// A request with a JSON body, as Scrapy's JsonRequest: `value` serialised, Content-Type
// "application/json" and Accept "application/json, text/javascript, */*; q=0.01" (headers given
// in options win), POST unless options.method names another method than its default GET:
//   out.emit(json_request(api_url, {{"city", "Lyon"}, {"page", 2}}, &jobs::parse_api));
// Read the answer with response::json(), and pick into it by JSON pointer (RFC 6901):
//   r.json().at_pointer("/data/0/title").as_string()
request json_request(std::string url, const json::value& value, request_options options = {});
request json_request(std::string url, const json::value& value, callback_fn cb, request_options options = {});
template <class S>
request json_request(std::string url, const json::value& value, void (S::*cb)(const response&, output&),
                     request_options options = {}) {
  request r = json_request(std::move(url), value, std::move(options));
  r.set_callback(cb);
  return r;
}
template <class S, class E>
request json_request(std::string url, const json::value& value, void (S::*cb)(const response&, output&),
                     void (E::*eb)(const failure&, output&), request_options options = {}) {
  request r = json_request(std::move(url), value, std::move(options));
  r.set_callback(cb);
  r.set_errback(eb);
  return r;
}

// name=value pairs joined by '&' as HTML's application/x-www-form-urlencoded serializer writes
// them: UTF-8, every byte but ASCII letters, digits and *-._ percent-encoded, spaces as '+'.
// Fields whose value is nullopt are left out.
std::string urlencode_form(const form_data& data);

}  // namespace orbweaver
