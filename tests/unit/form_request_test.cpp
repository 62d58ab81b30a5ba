// form_request and json_request: url-encoded bodies and queries, forms of a page submitted as a
// browser submits them, and JSON bodies. Most cases are Scrapy's own FormRequest tests
// (tests/test_http_request_form.py, named in each test), with the exact body expected where
// Scrapy compares the fields as a set.
#include <orbweaver/orbweaver.hpp>

#include <gtest/gtest.h>

#include <string>

namespace {

using namespace orbweaver;

class form_spider : public spider {
 public:
  form_spider() { name = "form_request_test"; }
  void after_post(const response&, output&) {}
  void on_error(const failure&, output&) {}
};

ORBWEAVER_SPIDER(form_spider, after_post, on_error);

response page(std::string body, std::string url = "http://example.com/", std::string content_type = "text/html") {
  return response(request(url), url, 200, {{"Content-Type", content_type}}, std::move(body));
}

// What the form sends: the body of a POST, the query of a GET.
std::string sent(const request& r) {
  if (r.method != "GET") return r.body;
  const auto query = r.url.find('?');
  return query == std::string::npos ? "" : r.url.substr(query + 1);
}

template <class F>
std::string form_error_of(F&& f) {
  try {
    f();
  } catch (const form_error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no form_error";
  return {};
}

const std::string three_hidden = R"(<form action="post.php" method="POST">
  <input type="hidden" name="test" value="val1">
  <input type="hidden" name="test" value="val2">
  <input type="hidden" name="test2" value="xxx">
  </form>)";

// --- form_request(url, formdata) ---

// test_default_encoding_textual_data
TEST(FormRequest, PostsTheFieldsUrlEncodedInUtf8) {
  form_request r("http://www.example.com", {{"\xC2\xB5 one", "two"}, {"price", "\xC2\xA3 100"}});
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.body, "%C2%B5+one=two&price=%C2%A3+100");
  EXPECT_EQ(r.headers.get("Content-Type"), "application/x-www-form-urlencoded");
}

// The HTML Standard's urlencoded serializer: only ASCII alphanumerics and *-._ stay as they are.
TEST(FormRequest, EncodesAsTheHtmlSerializer) {
  EXPECT_EQ(urlencode_form({{"a*b-c.d_e~f", "x y&z=1+2%/?#\n"}}), "a*b-c.d_e%7Ef=x+y%26z%3D1%2B2%25%2F%3F%23%0A");
  EXPECT_EQ(urlencode_form({{"empty", ""}, {"gone", std::nullopt}, {"", "nameless"}}), "empty=&=nameless");
}

// test_multi_key_values
TEST(FormRequest, RepeatsANameForEachValue) {
  form_request r("http://www.example.com", {{"colours", "red"}, {"colours", "blue"}, {"price", "\xC2\xA3 100"}});
  EXPECT_EQ(r.body, "colours=red&colours=blue&price=%C2%A3+100");
}

// test_empty_formdata
TEST(FormRequest, EmptyDataIsAnEmptyBody) {
  form_request r("http://www.example.com", {});
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.body, "");
}

// test_formdata_overrides_querystring
TEST(FormRequest, WithFormQueryPutsTheFieldsInPlaceOfTheQuery) {
  EXPECT_EQ(with_form_query("http://www.example.com/?a=0&b=1&c=3#fragment", {{"a", "one"}, {"a", "two"}, {"b", "2"}}),
            "http://www.example.com/?a=one&a=two&b=2");
  EXPECT_EQ(with_form_query("http://www.example.com/p#f", {{"q", "a b"}}), "http://www.example.com/p?q=a+b");
  EXPECT_EQ(with_form_query("http://www.example.com/p?old", {}), "http://www.example.com/p");
}

TEST(FormRequest, KeepsTheOptionsAndTheCallback) {
  form_request r("http://www.example.com/api", {{"q", "1"}}, &form_spider::after_post, &form_spider::on_error,
                 {.meta = {{"city", "Lyon"}}, .headers = {{"Content-Type", "application/x-custom"}}});
  EXPECT_EQ(r.callback_name, "after_post");
  EXPECT_EQ(r.errback_name, "on_error");
  EXPECT_EQ(r.meta.at("city").as_string(), "Lyon");
  EXPECT_EQ(r.headers.get("Content-Type"), "application/x-custom") << "a Content-Type given wins";
  EXPECT_EQ(r.body, "q=1");
  form_request put("http://www.example.com/api", {{"q", "1"}}, {.method = "PUT"});
  EXPECT_EQ(put.method, "PUT");
  EXPECT_EQ(put.body, "q=1");
  EXPECT_EQ(form_request("http://www.example.com/api", {{"q", "1"}}, {.method = "GET"}).method, "POST")
      << "GET is request_options' default: the fields go in a body";
}

// --- form_request::from_response: the form's method, URL and data ---

// test_from_response_post
TEST(FromResponse, PostsTheFormsFieldsThenFormdata) {
  auto r = form_request::from_response(page(three_hidden, "http://www.example.com/this/list.html"),
                                       {.formdata = {{"one", "two"}, {"one", "three"}, {"six", "seven"}}});
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.headers.get("Content-Type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(r.url, "http://www.example.com/this/post.php");
  EXPECT_EQ(r.body, "test=val1&test=val2&test2=xxx&one=two&one=three&six=seven");
}

// test_from_response_post_nonascii_unicode
TEST(FromResponse, NonAsciiNamesAndValuesAreUtf8) {
  auto r = form_request::from_response(page(R"(<form action="post.php" method="POST">
    <input type="hidden" name="test £" value="val1"><input type="hidden" name="test2" value="xxx µ"></form>)"));
  EXPECT_EQ(r.body, "test+%C2%A3=val1&test2=xxx+%C2%B5");
}

// test_from_response_post_nonascii_bytes_latin1 sends latin-1 bytes, as the page is latin-1; the
// page is read as UTF-8 text here, and the fields are sent in UTF-8 whatever the page's charset.
TEST(FromResponse, FieldsOfALatin1PageAreSentInUtf8) {
  auto r = form_request::from_response(
      page("<form method=post><input type=hidden name=\"test \xA3\" value=\"xxx \xB5\"></form>", "http://example.com",
           "text/html; charset=latin1"));
  EXPECT_EQ(r.body, "test+%C2%A3=xxx+%C2%B5");
}

// test_from_response_duplicate_form_key
TEST(FromResponse, FormdataMayRepeatANameOnAGetForm) {
  auto r = form_request::from_response(page("<form></form>", "http://www.example.com"),
                                       {.formdata = {{"foo", "bar"}, {"foo", "baz"}}});
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.url, "http://www.example.com/?foo=bar&foo=baz");
}

// test_from_response_override_duplicate_form_key, test_from_response_override_params
TEST(FromResponse, FormdataReplacesEveryFieldOfItsName) {
  const auto html = page(R"(<form action="get.php" method="POST">
    <input type="hidden" name="one" value="1"><input type="hidden" name="two" value="3"></form>)");
  EXPECT_EQ(sent(form_request::from_response(html, {.formdata = {{"two", "2"}, {"two", "4"}}})), "one=1&two=2&two=4");
  EXPECT_EQ(sent(form_request::from_response(html, {.formdata = {{"two", "2"}}})), "one=1&two=2");
}

// test_from_response_drop_params
TEST(FromResponse, ANullValueRemovesAField) {
  const auto html = page(R"(<form action="get.php" method="POST">
    <input type="hidden" name="one" value="1"><input type="hidden" name="two" value="3"></form>)");
  EXPECT_EQ(sent(form_request::from_response(html, {.formdata = {{"two", std::nullopt}}})), "one=1");
}

// test_from_response_extra_headers
TEST(FromResponse, KeepsTheRequestOptions) {
  auto r = form_request::from_response(page(three_hidden), {}, &form_spider::after_post,
                                       {.meta = {{"step", 2}}, .headers = {{"Accept-Encoding", "gzip,deflate"}}});
  EXPECT_EQ(r.headers.get("Accept-Encoding"), "gzip,deflate");
  EXPECT_EQ(r.headers.get("Content-Type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(r.callback_name, "after_post");
  EXPECT_EQ(r.meta.at("step").as_int64(), 2);
}

// test_from_response_get
TEST(FromResponse, GetFormsSendTheFieldsInTheQuery) {
  auto r = form_request::from_response(
      page(R"(<form action="get.php" method="GET"><input type="hidden" name="test" value="val1">
              <input type="hidden" name="test2" value="xxx"></form>)",
           "http://www.example.com/this/list.html"),
      {.formdata = {{"one", "two"}, {"six", "seven"}}});
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.url, "http://www.example.com/this/get.php?test=val1&test2=xxx&one=two&six=seven");
  EXPECT_EQ(r.body, "");
}

// As browsers do, the data replaces the action's own query.
TEST(FromResponse, GetFormsReplaceTheActionsQuery) {
  auto r = form_request::from_response(page(R"(<form action="/search?old=1#top"><input name="q" value="a b"></form>)"));
  EXPECT_EQ(r.url, "http://example.com/search?q=a+b");
}

// test_from_response_override_method, test_from_response_valid_form_methods
TEST(FromResponse, MethodIsTheFormsGetOrPost) {
  auto with_method = [](std::string method) {
    return form_request::from_response(page("<form action=post.php method=\"" + method + "\"><input type=hidden name=one value=1></form>")).method;
  };
  EXPECT_EQ(with_method("POST"), "POST");
  EXPECT_EQ(with_method("post"), "POST");
  EXPECT_EQ(with_method("GET"), "GET");
  EXPECT_EQ(with_method("UNKNOWN"), "GET");
  EXPECT_EQ(with_method("dialog"), "GET");
  const auto html = page(R"(<html><body><form action="/app"><input name=a value=1></form></body></html>)");
  EXPECT_EQ(form_request::from_response(html).method, "GET");
  auto posted = form_request::from_response(html, {.method = "post"});
  EXPECT_EQ(posted.method, "POST");
  EXPECT_EQ(posted.url, "http://example.com/app");
  EXPECT_EQ(posted.body, "a=1");
}

// test_from_response_override_url
TEST(FromResponse, UrlOverridesTheAction) {
  const auto html = page(R"(<html><body><form action="/app"></form></body></html>)");
  EXPECT_EQ(form_request::from_response(html).url, "http://example.com/app");
  EXPECT_EQ(form_request::from_response(html, {.url = "http://foo.bar/absolute"}).url, "http://foo.bar/absolute");
  EXPECT_EQ(form_request::from_response(html, {.url = "/relative"}).url, "http://example.com/relative");
}

// test_html_base_form_action, test_spaces_in_action
TEST(FromResponse, ActionIsResolvedAgainstBaseHrefAndTrimmed) {
  auto based = page(R"(<html><head><base href=" http://b.com/"></head><body><form action="test_form"></form></body></html>)",
                    "http://a.com/");
  EXPECT_EQ(form_request::from_response(based).url, "http://b.com/test_form");
  EXPECT_EQ(form_request::from_response(page("<body><form action=\" path\n\"></form></body>")).url, "http://example.com/path");
}

// The HTML Standard: no action, or an empty one, submits to the page's own URL (not <base>).
TEST(FromResponse, NoActionSubmitsToThePage) {
  const std::string url = "http://example.com/dir/page.html";
  auto based = [](std::string form) { return "<head><base href=\"http://b.com/\"></head>" + form; };
  EXPECT_EQ(form_request::from_response(page(based("<form method=post></form>"), url)).url, url);
  EXPECT_EQ(form_request::from_response(page(based("<form action='' method=post></form>"), url)).url, url);
}

TEST(FromResponse, AnActionThatCannotBeRequestedIsAFormError) {
  auto message = form_error_of([] { (void)form_request::from_response(page("<form action='javascript:go()'></form>")); });
  EXPECT_NE(message.find("javascript:go()"), std::string::npos) << message;
  EXPECT_NE(message.find("<200 http://example.com/>"), std::string::npos) << message;
}

// --- choosing the form ---

const std::string two_forms = R"(<form name="form1" id="first" action="post.php" method="POST">
  <input type="hidden" name="one" value="1"></form>
  <div class="wrap"><form id="form2" name="form2" action="post2.php" method="POST">
  <input type="hidden" name="three" value="3"><input type="hidden" name="four" value="4"></form></div>)";

// test_from_response_formname_exists, test_from_response_formid_exists
TEST(FromResponse, FormByNameOrId) {
  EXPECT_EQ(sent(form_request::from_response(page(two_forms), {.formname = "form2"})), "three=3&four=4");
  EXPECT_EQ(sent(form_request::from_response(page(two_forms), {.formid = "form2"})), "three=3&four=4");
  EXPECT_EQ(sent(form_request::from_response(page(two_forms), {.formnumber = 1})), "three=3&four=4");
}

// test_from_response_formname_nonexistent, test_from_response_formname_nonexistent_fallback_formid,
// test_from_response_formid_nonexistent: a name or id that is not there falls through.
TEST(FromResponse, AMissingNameOrIdFallsThroughToTheNextRule) {
  EXPECT_EQ(sent(form_request::from_response(page(two_forms), {.formname = "form3"})), "one=1");
  EXPECT_EQ(sent(form_request::from_response(page(two_forms), {.formname = "form3", .formid = "form2"})), "three=3&four=4");
  EXPECT_EQ(sent(form_request::from_response(page(two_forms), {.formid = "form3"})), "one=1");
}

// test_from_response_errors_noform, test_from_response_errors_formnumber,
// test_from_response_formname_errors_formnumber
TEST(FromResponse, AMissingFormIsAFormErrorNamingThePage) {
  EXPECT_EQ(form_error_of([] { (void)form_request::from_response(page("<html></html>")); }),
            "no <form> element in <200 http://example.com/>");
  EXPECT_EQ(form_error_of([] { (void)form_request::from_response(page(two_forms), {.formname = "form3", .formnumber = 2}); }),
            "no form number 2 in <200 http://example.com/>: it has 2 forms");
}

// test_from_response_css, and an ancestor of the form in the selector (a wrapping div)
TEST(FromResponse, FormByCssMatchingTheFormOrSomethingInIt) {
  EXPECT_EQ(sent(form_request::from_response(page(two_forms), {.formcss = "form[action='post.php']"})), "one=1");
  EXPECT_EQ(sent(form_request::from_response(page(two_forms), {.formcss = "input[name='four']"})), "three=3&four=4");
  EXPECT_EQ(sent(form_request::from_response(page(two_forms), {.formcss = "div.wrap input"})), "three=3&four=4");
  EXPECT_EQ(form_error_of([] { (void)form_request::from_response(page(two_forms), {.formcss = "input[name='abc']"}); }),
            "no element matches css(\"input[name='abc']\") in <200 http://example.com/>");
  EXPECT_THROW((void)form_request::from_response(page(two_forms), {.formcss = "input[["}), selector_error);
}

// test_get_form_with_xpath_no_form_parent, with CSS
TEST(FromResponse, CssMatchingNothingInAFormIsAFormError) {
  auto html = page(R"(<div id="outside-form"><p>Not in a form.</p></div>
    <form action="/submit" method="post"><input type="text" name="inside-form" value=""></form>)");
  auto message = form_error_of([&] { (void)form_request::from_response(html, {.formcss = "#outside-form p"}); });
  EXPECT_EQ(message, "no <form> element matches or holds what css(\"#outside-form p\") matches in <200 http://example.com/>");
}

// test_from_response_xpath, test_get_form_with_xpath_no_form_parent: the form that is or holds
// the first node selected.
TEST(FromResponse, FormByXpathOfTheFormOrOfANodeInIt) {
  EXPECT_EQ(sent(form_request::from_response(page(two_forms), {.formxpath = "//form[@action='post.php']"})), "one=1");
  EXPECT_EQ(sent(form_request::from_response(page(two_forms), {.formxpath = "//form/input[@name='four']"})), "three=3&four=4");
  EXPECT_EQ(sent(form_request::from_response(page(two_forms), {.formxpath = "//input[@name='four']/@value"})), "three=3&four=4");
  // The first node counts, even when a later one is in another form.
  EXPECT_EQ(sent(form_request::from_response(page(two_forms), {.formxpath = "//input[@type='hidden']"})), "one=1");
  EXPECT_EQ(form_error_of([] { (void)form_request::from_response(page(two_forms), {.formxpath = "//form/input[@name='abc']"}); }),
            "no node matches xpath(\"//form/input[@name='abc']\") in <200 http://example.com/>");
  auto outside = page(R"(<div id="outside-form"><p>Not in a form.</p></div>
    <form action="/submit" method="post"><input type="text" name="inside-form" value=""></form>)");
  EXPECT_EQ(form_error_of([&] { (void)form_request::from_response(outside, {.formxpath = "//div[@id='outside-form']/p"}); }),
            "no <form> element is or holds the first node xpath(\"//div[@id='outside-form']/p\") selects in "
            "<200 http://example.com/>");
  EXPECT_EQ(form_error_of([] { (void)form_request::from_response(page(two_forms), {.formxpath = "count(//form)"}); }),
            "xpath(\"count(//form)\") selects no nodes in <200 http://example.com/> (a number or a string), so no form "
            "holds them");
  EXPECT_THROW((void)form_request::from_response(page(two_forms), {.formxpath = "//input[["}), selector_error);
  // formcss is tried before formxpath.
  EXPECT_EQ(sent(form_request::from_response(page(two_forms), {.formcss = "#first", .formxpath = "//form[2]"})), "one=1");
}

// test_from_response_invalid_html5: the form is found in the tree a browser builds.
TEST(FromResponse, FindsTheFormInInvalidHtml) {
  auto r = form_request::from_response(
      page(R"(<!DOCTYPE html><body></html><form><input type="text" name="foo" value="xxx"></form></body></html>)"),
      {.formdata = {{"bar", "buz"}}});
  EXPECT_EQ(sent(r), "foo=xxx&bar=buz");
}

// --- every kind of control ---

// test_from_response_input_text, test_from_response_input_hidden
TEST(FromResponse, TextAndHiddenInputsWithANameAreSent) {
  EXPECT_EQ(sent(form_request::from_response(page(R"(<form>
    <input type="text" name="i1" value="i1v1"><input type="text" name="i2"><input type="text" value="i3v1">
    <input type="text"><input name="i4" value="i4v1"></form>)"))),
            "i1=i1v1&i2=&i4=i4v1");
  EXPECT_EQ(sent(form_request::from_response(page(R"(<form>
    <input type="hidden" name="i1" value="i1v1"><input type="hidden" name="i2"><input type="hidden" value="i3v1">
    <input type="hidden"></form>)"))),
            "i1=i1v1&i2=");
}

// Every type that holds text sends its value; unknown types are text; line breaks a text field
// cannot hold are dropped, and e-mail and URL values trimmed (the HTML Standard's sanitization);
// other line breaks are sent as CRLF.
TEST(FromResponse, TextLikeInputTypesAreSent) {
  EXPECT_EQ(sent(form_request::from_response(page(R"(<form>
    <input type=search name=s value=q><input type=password name=p value=secret><input type=email name=e value=" a@b.c ">
    <input type=url name=u value="http://x/"><input type=tel name=t value=1><input type=number name=n value=2>
    <input type=date name=d value=2026-12-06><input type=color name=c value=#ff0000><input type=range name=r value=5>
    <input type=Wibble name=w value=x><input type=text name=nl value="a&#10;b"><input type=hidden name=h value="a&#10;b">
    </form>)"))),
            "s=q&p=secret&e=a%40b.c&u=http%3A%2F%2Fx%2F&t=1&n=2&d=2026-12-06&c=%23ff0000&r=5&w=x&nl=ab&h=a%0D%0Ab");
}

// test_from_response_checkbox, test_from_response_radio
TEST(FromResponse, CheckboxesAndRadiosOnlyWhenChecked) {
  for (std::string type : {"checkbox", "radio"}) {
    std::string html = "<form>";
    for (std::string attributes : {"name=i1 value=i1v1", "name=i1 value=iv2 checked", "name=i2 checked", "name=i2",
                                   "name=i3 value=i3v1", "name=i3", "value=i4v1", "", "name=i5 value='' checked"})
      html += "<input type=" + type + " " + attributes + ">";
    EXPECT_EQ(sent(form_request::from_response(page(html + "</form>"))), "i1=iv2&i2=on&i5=") << type;
  }
}

// test_from_response_select
TEST(FromResponse, SelectsSendTheirSelectedOptions) {
  auto r = form_request::from_response(page(R"(<form>
    <select name="i1"><option value="i1v1">option 1</option><option value="i1v2" selected>option 2</option></select>
    <select name="i2"><option value="i2v1">option 1</option><option value="i2v2">option 2</option></select>
    <select><option value="i3v1">option 1</option><option value="i3v2">option 2</option></select>
    <select name="i4" multiple><option value="i4v1">option 1</option><option value="i4v2" selected>option 2</option>
      <option value="i4v3" selected>option 3</option></select>
    <select name="i5" multiple><option value="i5v1">option 1</option><option value="i5v2">option 2</option></select>
    <select name="i6"></select>
    <select name="i7"/>
    </form>)"));
  EXPECT_EQ(sent(r), "i1=i1v2&i2=i2v1&i4=i4v2&i4=i4v3");
}

// As browsers: the last option marked selected wins, disabled options are passed over, and an
// option without a value sends its text, whitespace stripped and collapsed.
TEST(FromResponse, SelectOptionsAsBrowsersReadThem) {
  auto r = form_request::from_response(page(R"(<form>
    <select name=last><option selected>a</option><option selected>b</option></select>
    <select name=enabled><option disabled>x</option><optgroup label=g><option>y</option></optgroup></select>
    <select name=text><option selected>  Two
       words </option></select>
    <select name=multi multiple><option selected disabled>no</option><option selected value="">yes</option></select>
    </form>)"));
  EXPECT_EQ(sent(r), "last=b&enabled=y&text=Two+words&multi=");
}

// test_from_response_input_textarea, whose "<textarea/>" is an empty field to lxml's parser; the
// HTML5 parser browsers use ignores the '/', so that the textarea holds the text up to the next
// </textarea>. Line breaks are sent as CRLF, as browsers send them.
TEST(FromResponse, TextareasSendTheirText) {
  EXPECT_EQ(sent(form_request::from_response(page(R"(<form>
    <textarea name="i1">i1v</textarea><textarea name="i2"></textarea><textarea name="i3"/>
    <textarea>i4v</textarea></form>)"))),
            "i1=i1v&i2=&i3=++++%3Ctextarea%3Ei4v");
  EXPECT_EQ(sent(form_request::from_response(page("<form><textarea name=t>\nline 1\nline 2\r\n&lt;3</textarea></form>"))),
            "t=line+1%0D%0Aline+2%0D%0A%3C3")
      << "the newline right after <textarea> is not part of its value";
}

// test_from_response_descendants
TEST(FromResponse, ControlsAtAnyDepthInDocumentOrder) {
  auto r = form_request::from_response(page(R"(<form><div><fieldset>
    <input type="text" name="i1"><select name="i2"><option value="v1" selected></select></fieldset>
    <input type="radio" name="i3" value="i3v2" checked><input type="checkbox" name="i4" value="i4v2" checked>
    <textarea name="i5"></textarea><input type="hidden" name="h1" value="h1v"></div>
    <input type="hidden" name="h2" value="h2v"></form>)"));
  EXPECT_EQ(sent(r), "i1=&i2=v1&i3=i3v2&i4=i4v2&i5=&h1=h1v&h2=h2v");
}

// Disabled controls and nameless ones are not sent, nor files, resets and plain buttons
// (test_from_response_dont_submit_reset_as_input).
TEST(FromResponse, DisabledNamelessAndButtonLikeControlsAreSkipped) {
  auto r = form_request::from_response(page(R"(<form>
    <input name=off value=1 disabled><textarea name=off2 disabled>x</textarea>
    <select name=off3 disabled><option>x</option></select><input value=nameless><input name="" value=empty>
    <input type=file name=f><input type=reset name=r value=r><input type=button name=b value=b>
    <button type=button name=bb value=bb>x</button><button type=reset name=br value=br>x</button>
    <input name=kept value=yes></form>)"));
  EXPECT_EQ(sent(r), "kept=yes");
}

// --- the clicked button ---

const std::string two_submits = R"(<form action="get.php" method="GET">
  <input type="submit" name="clickable1" value="clicked1">
  <input type="hidden" name="one" value="1">
  <input type="hidden" name="two" value="3">
  <input type="submit" name="clickable2" value="clicked2">
  </form>)";

// test_from_response_submit_first_clickable; the button comes after the fields, as in Scrapy
TEST(FromResponse, TheFirstSubmitIsClicked) {
  EXPECT_EQ(sent(form_request::from_response(page(two_submits), {.formdata = {{"two", "2"}}})),
            "one=1&clickable1=clicked1&two=2");
}

// test_from_response_submit_not_first_clickable, test_from_response_multiple_clickdata,
// test_from_response_nr_index_clickdata
TEST(FromResponse, ClickdataOrClicknrPicksTheButton) {
  EXPECT_EQ(sent(form_request::from_response(page(two_submits), {.formdata = {{"two", "2"}},
                                                                 .clickdata = {{"name", "clickable2"}}})),
            "one=1&clickable2=clicked2&two=2");
  EXPECT_EQ(sent(form_request::from_response(page(two_submits), {.clicknr = 1})), "one=1&two=3&clickable2=clicked2");
  auto same_name = page(R"(<form action="get.php" method="GET">
    <input type="submit" name="clickable" value="clicked1"><input type="submit" name="clickable" value="clicked2">
    <input type="hidden" name="one" value="clicked1"><input type="hidden" name="two" value="clicked2"></form>)");
  EXPECT_EQ(sent(form_request::from_response(same_name, {.clickdata = {{"name", "clickable"}, {"value", "clicked2"}}})),
            "one=clicked1&two=clicked2&clickable=clicked2");
}

// test_from_response_unicode_clickdata
TEST(FromResponse, ClickdataWithNonAsciiValues) {
  auto r = form_request::from_response(page(R"(<form action="get.php" method="GET">
    <input type="submit" name="price in £" value="£ 1000"><input type="submit" name="price in €" value="€ 2000">
    <input type="hidden" name="poundsign" value="£"></form>)"),
                                       {.clickdata = {{"name", "price in €"}}});
  EXPECT_EQ(sent(r), "poundsign=%C2%A3&price+in+%E2%82%AC=%E2%82%AC+2000");
}

// test_from_response_multiple_forms_clickdata
TEST(FromResponse, ClickdataLooksInTheChosenFormOnly) {
  auto r = form_request::from_response(page(R"(<form name="form1">
    <input type="submit" name="clickable" value="clicked1"><input type="hidden" name="field1" value="value1"></form>
    <form name="form2"><input type="submit" name="clickable" value="clicked2">
    <input type="hidden" name="field2" value="value2"></form>)"),
                                       {.formname = "form2", .clickdata = {{"name", "clickable"}}});
  EXPECT_EQ(sent(r), "field2=value2&clickable=clicked2");
}

// test_from_response_override_clickable
TEST(FromResponse, FormdataOverridesTheClickedButton) {
  auto r = form_request::from_response(page(R"(<form><input type="submit" name="clickme" value="one"> </form>)"),
                                       {.formdata = {{"clickme", "two"}}, .clickdata = {{"name", "clickme"}}});
  EXPECT_EQ(sent(r), "clickme=two");
}

// test_from_response_dont_click, test_from_response_dont_submit_image_as_input
TEST(FromResponse, DontClickSendsNoButton) {
  EXPECT_EQ(sent(form_request::from_response(page(two_submits), {.dont_click = true})), "one=1&two=3");
  EXPECT_EQ(sent(form_request::from_response(page(R"(<form><input type="hidden" name="i1" value="i1v">
    <input type="image" name="i2" src="http://my.image.org/1.jpg"><input type="submit" name="i3" value="i3v"></form>)"),
                                             {.dont_click = true})),
            "i1=i1v");
}

// test_from_response_clickdata_does_not_ignore_image, test_from_response_case_insensitive
TEST(FromResponse, ImageInputsAreButtonsAndTypesIgnoreCase) {
  EXPECT_EQ(sent(form_request::from_response(page(R"(<form><input type="text" name="i1" value="i1v">
    <input id="image" name="i2" type="image" value="i2v" alt="Login" src="http://my.image.org/1.jpg"></form>)"))),
            "i1=i1v&i2=i2v");
  EXPECT_EQ(sent(form_request::from_response(page(R"(<form action="get.php" method="GET">
    <input type="SuBmIt" name="clickable1" value="clicked1"><input type="iMaGe" name="i1" src="http://my.image.org/1.jpg">
    <input type="submit" name="clickable2" value="clicked2"></form>)"))),
            "clickable1=clicked1");
}

// test_from_response_button_submit, test_from_response_button_notype,
// test_from_response_submit_novalue, test_from_response_button_novalue
TEST(FromResponse, ButtonsSubmitUnlessTheirTypeSaysOtherwise) {
  auto with_button = [](std::string button) {
    return sent(form_request::from_response(page(R"(<form action="post.php" method="POST">
      <input type="hidden" name="test1" value="val1">)" + button + "</form>", "http://www.example.com/this/list.html")));
  };
  EXPECT_EQ(with_button(R"(<button type="submit" name="button1" value="submit1">Submit</button>)"), "test1=val1&button1=submit1");
  EXPECT_EQ(with_button(R"(<button name="button1" value="submit1">Submit</button>)"), "test1=val1&button1=submit1");
  EXPECT_EQ(with_button(R"(<input type="submit" name="button1">Submit</button>)"), "test1=val1&button1=");
  EXPECT_EQ(with_button(R"(<button type="submit" name="button1">Submit</button>)"), "test1=val1&button1=");
  EXPECT_EQ(with_button(R"(<button type="button" name="b">x</button><button name="button2" value="2">y</button>)"),
            "test1=val1&button2=2");
  EXPECT_EQ(with_button(R"(<button name="off" value="1" disabled>x</button><input type=submit name=on value=2>)"),
            "test1=val1&on=2")
      << "a disabled button cannot be clicked";
}

// test_from_response_ambiguous_clickdata, test_from_response_non_matching_clickdata,
// test_from_response_invalid_nr_index_clickdata
TEST(FromResponse, ClickdataMatchingNoneOrSeveralButtonsIsAFormError) {
  EXPECT_EQ(form_error_of([] { (void)form_request::from_response(page(two_submits), {.clickdata = {{"type", "submit"}}}); }),
            "2 buttons match clickdata {type=\"submit\"} in the form of <200 http://example.com/>: give more "
            "attributes or clicknr");
  EXPECT_EQ(form_error_of([] { (void)form_request::from_response(page(two_submits), {.clickdata = {{"nonexistent", "notme"}}}); }),
            "no button matches clickdata {nonexistent=\"notme\"} in the form of <200 http://example.com/>");
  EXPECT_EQ(form_error_of([] { (void)form_request::from_response(page(two_submits), {.clicknr = 2}); }),
            "no button matches clicknr 2 in the form of <200 http://example.com/>: it has 2 submit buttons");
}

TEST(FromResponse, APageThatIsNotHtmlIsNotSupported) {
  EXPECT_THROW((void)form_request::from_response(page("{}", "http://example.com/", "application/json")), not_supported);
}

// --- json_request ---

TEST(JsonRequest, PostsTheValueSerialisedWithJsonHeaders) {
  auto r = json_request("http://example.com/api", {{"city", "Lyon"}, {"page", 2}});
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.body, R"({"city":"Lyon","page":2})");
  EXPECT_EQ(r.headers.get("Content-Type"), "application/json");
  EXPECT_EQ(r.headers.get("Accept"), "application/json, text/javascript, */*; q=0.01");
}

TEST(JsonRequest, OptionsChooseTheMethodAndHeaders) {
  auto r = json_request("http://example.com/api", json::array{1, "two"}, &form_spider::after_post, &form_spider::on_error,
                        {.method = "PUT", .headers = {{"Accept", "application/json"}}});
  EXPECT_EQ(r.method, "PUT");
  EXPECT_EQ(r.body, R"([1,"two"])");
  EXPECT_EQ(r.headers.get("Accept"), "application/json");
  EXPECT_EQ(r.headers.get_all("Accept").size(), 1u);
  EXPECT_EQ(r.callback_name, "after_post");
  EXPECT_EQ(r.errback_name, "on_error");
  EXPECT_EQ(json_request("http://example.com/", nullptr, callback_fn{}).body, "null");
  EXPECT_EQ(json_request("http://example.com/", nullptr, &form_spider::after_post).method, "POST");
}

// The answer read back and picked into by JSON pointer, as form_request.hpp's example does.
TEST(JsonRequest, ResponsesArePickedByJsonPointer) {
  auto r = page(R"({"data": [{"title": "Engineer", "salary": 42000}]})", "http://example.com/api", "application/json");
  EXPECT_EQ(r.json().at_pointer("/data/0/title").as_string(), "Engineer");
  EXPECT_EQ(r.json().at_pointer("/data/0/salary").as_int64(), 42000);
}

}  // namespace
