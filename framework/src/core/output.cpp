#include <orbweaver/output.hpp>
#include <orbweaver/response.hpp>

#include <orbweaver/url.hpp>

namespace orbweaver {

void output::follow(std::string_view href, callback_fn cb) {
  auto target = source_ ? source_->urljoin(href) : url::normalize(href);
  if (!target) {
    ++unfollowable_;
    return;
  }
  requests_.emplace_back(std::move(*target), std::move(cb));
}

void output::follow_all(const selector_list& hrefs, callback_fn cb) {
  for (const auto& href : hrefs) follow(href.get(), cb);
}

}  // namespace orbweaver
