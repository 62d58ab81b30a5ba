#pragma once
// The links of a page that a set of rules keeps (Scrapy's LinkExtractor):
//   link_extractor books({.allow = {R"(/catalogue/[^/]+/index\.html$)"}, .restrict_css = {"article.product_pod"}});
//   for (const page_link& l : books.extract_links(r)) out.follow(l.url, &shop::parse_book);
// Links are read from the page's parsed document (the one css() uses), in document order, from
// the `attrs` of the `tags` elements; each value is stripped of HTML whitespace, resolved against
// the page as a browser resolves it (<base href> honoured) and dropped when it cannot be requested
// (mailto:, javascript:, ftp:, unparsable). The filters then apply in Scrapy's order: allow, deny,
// allow_domains, deny_domains, deny_extensions, restrict_text; canonicalize; unique.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace orbweaver {

class response;

struct page_link {
  std::string url;        // absolute http(s) URL, without the fragment
  std::string text;       // every text inside the element, concatenated as written
  std::string fragment;   // what followed '#' in the link, empty when nothing did
  bool nofollow = false;  // rel="nofollow" (among other rel values)

  bool operator==(const page_link&) const = default;
};

// Scrapy's IGNORED_EXTENSIONS: archives, images, audio, video, office documents and others
// ("zip", "jpg", "mp4", "pdf", "exe", ...), without the dot.
const std::vector<std::string>& ignored_extensions();

// Regular expressions are Python's flavour over code points (as selector::re) and are searched
// anywhere in the absolute URL: "/item/" keeps https://shop.example/item/3. A domain matches
// itself and its subdomains. Tag and attribute names are matched without regard to case.
struct link_extractor_options {
  std::vector<std::string> allow{};  // the URL must match one of these (any URL when empty)
  std::vector<std::string> deny{};   // and none of these; deny wins over allow
  std::vector<std::string> allow_domains{};
  std::vector<std::string> deny_domains{};
  // Only links inside the elements these select (the elements themselves included); the whole
  // page when both are empty. XPath regions come first, then CSS ones, as in Scrapy.
  std::vector<std::string> restrict_xpaths{};
  std::vector<std::string> restrict_css{};
  std::vector<std::string> tags{"a", "area"};  // "*" for every element
  std::vector<std::string> attrs{"href"};
  // Write each URL in its canonical form (url::canonicalize: query sorted, no fragment). Off by
  // default, as in Scrapy 2: the canonical URL is for comparing, a server may answer it otherwise.
  bool canonicalize = false;
  // Keep the first of links with the same URL and fragment (after canonicalize).
  bool unique = true;
  // Sees each value before it is resolved: the absolute URL with its fragment when the value
  // resolves to one, else the value as written (javascript:go('/p/2')). Returns the link to use
  // instead (resolved against the page in turn), or nullopt to drop it.
  std::function<std::optional<std::string>(std::string_view value)> process_value{};
  // Links whose path ends with ".EXTENSION" (any case) are dropped; {} keeps every extension.
  std::vector<std::string> deny_extensions = ignored_extensions();
  bool strip = true;  // strip leading and trailing HTML whitespace from the values
  // The link's text must match one of these (any text when empty).
  std::vector<std::string> restrict_text{};
};

// Immutable once made, so one extractor serves callbacks on every thread. Cheap to copy.
class link_extractor {
 public:
  // Throws std::invalid_argument for a regular expression that does not compile, or a tag or
  // attribute name that is not one (letters, digits, '-' and '_').
  link_extractor(link_extractor_options options = {});

  // The links of a page; none for a response that is not HTML or XML. A restrict_css or
  // restrict_xpaths query that is not valid throws selector_error.
  std::vector<page_link> extract_links(const response& page) const;
  // Whether an absolute URL passes allow, deny and the domains (Scrapy's matches()).
  bool matches(std::string_view url) const;

  const link_extractor_options& options() const;

 private:
  struct compiled;
  std::shared_ptr<const compiled> compiled_;
};

}  // namespace orbweaver
