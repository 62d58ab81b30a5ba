#include <orbweaver/output.hpp>
#include <orbweaver/response.hpp>

#include <orbweaver/error.hpp>
#include <orbweaver/log.hpp>
#include <orbweaver/url.hpp>

namespace orbweaver {

void output::follow_request(std::string_view href, request prototype) {
  std::error_code why;
  auto target = source_ ? source_->urljoin(href, &why) : url::normalize(href, &why);
  if (!target) {
    log::debug("spider", "Ignoring link '{}': {}", href.substr(0, 200), error_name(why));
    unfollowable_.push_back(why);
    return;
  }
  prototype.url = std::move(*target);
  emit(std::move(prototype));
}

void output::follow_each(const selector_list& hrefs, const request& prototype) {
  for (const auto& href : hrefs) follow_request(href.get(), prototype);
}

}  // namespace orbweaver
