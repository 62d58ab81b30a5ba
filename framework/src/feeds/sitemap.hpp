#pragma once
// Sitemaps as sitemaps.org defines them and Scrapy reads them (scrapy/utils/sitemap.py), pure
// logic: XML urlsets and sitemap indexes, and plain-text sitemaps (robots.txt's Sitemap lines are
// robots::parse's).
#include <orbweaver/sitemap_spider.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace orbweaver::sitemaps {

struct parsed_xml {
  std::string type;                    // local name of the root element: "urlset", "sitemapindex"; empty: no XML
  std::vector<sitemap_entry> entries;  // each <url> or <sitemap> element with a <loc>, in order
  std::string error;                   // the last well-formedness error ("line 3: ..."), empty when none
};

// Parses with libxml2, recovering after errors as Scrapy's lxml parser does: entries before (and
// after) a break are kept and `error` says where it broke. Namespaces are ignored (elements are
// matched by local name); entity declarations are ignored, so no entity is ever expanded
// (XXE, billion laughs), and nothing is fetched from the network.
parsed_xml parse_xml(std::string_view body);

// A plain-text sitemap: every non-blank line, trimmed, is a URL.
std::vector<std::string> parse_text(std::string_view body);

}  // namespace orbweaver::sitemaps
