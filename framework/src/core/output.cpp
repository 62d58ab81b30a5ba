#include <orbweaver/output.hpp>
#include <orbweaver/response.hpp>

#include <orbweaver/error.hpp>
#include <orbweaver/log.hpp>
#include <orbweaver/url.hpp>

namespace orbweaver {

void output::follow(std::string_view href, callback_fn cb) { follow_named(href, std::move(cb), {}); }

void output::follow_named(std::string_view href, callback_fn cb, std::string callback_name) {
  std::error_code why;
  auto target = source_ ? source_->urljoin(href, &why) : url::normalize(href, &why);
  if (!target) {
    log::debug("spider", "Ignoring link '{}': {}", href.substr(0, 200), error_name(why));
    unfollowable_.push_back(why);
    return;
  }
  auto& r = requests_.emplace_back(std::move(*target), std::move(cb));
  r.callback_name = std::move(callback_name);
}

void output::follow_all(const selector_list& hrefs, callback_fn cb) {
  for (const auto& href : hrefs) follow(href.get(), cb);
}

}  // namespace orbweaver
