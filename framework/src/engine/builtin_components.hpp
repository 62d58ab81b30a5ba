#pragma once
// Registration of orbweaver's own middlewares and pipelines (middlewares/, pipelines/): unlike a
// user's components (the public ORBWEAVER_* macros, off until a setting names them), these are on
// at a default priority, which DOWNLOADER_MIDDLEWARES / SPIDER_MIDDLEWARES / ITEM_PIPELINES move or
// turn off.
#include <orbweaver/middleware.hpp>
#include <orbweaver/pipeline.hpp>
#include <orbweaver/spider.hpp>  // ORBWEAVER_CONCAT

#include <string>

namespace orbweaver {

void register_builtin_downloader_middleware(std::string name, int priority, downloader_middleware_factory f);
void register_builtin_spider_middleware(std::string name, int priority, spider_middleware_factory f);
void register_builtin_pipeline(std::string name, int priority, pipeline_factory f);

namespace detail {
struct builtin_registration {
  template <class Register, class Factory>
  builtin_registration(Register do_register, std::string name, int priority, Factory f) {
    do_register(std::move(name), priority, std::move(f));
  }
};
}  // namespace detail

}  // namespace orbweaver

#define ORBWEAVER_BUILTIN_COMPONENT(register_function, base, cls, name, priority)                   \
  static const ::orbweaver::detail::builtin_registration ORBWEAVER_CONCAT(orbweaver_builtin_, __LINE__) { \
    register_function, name, priority, [] { return std::unique_ptr<base>(std::make_unique<cls>()); } \
  }
#define ORBWEAVER_BUILTIN_DOWNLOADER_MIDDLEWARE(cls, name, priority)                                 \
  ORBWEAVER_BUILTIN_COMPONENT(::orbweaver::register_builtin_downloader_middleware,                  \
                              ::orbweaver::downloader_middleware, cls, name, priority)
#define ORBWEAVER_BUILTIN_SPIDER_MIDDLEWARE(cls, name, priority)                                     \
  ORBWEAVER_BUILTIN_COMPONENT(::orbweaver::register_builtin_spider_middleware,                      \
                              ::orbweaver::spider_middleware, cls, name, priority)
#define ORBWEAVER_BUILTIN_PIPELINE(cls, name, priority)                                              \
  ORBWEAVER_BUILTIN_COMPONENT(::orbweaver::register_builtin_pipeline, ::orbweaver::item_pipeline, cls, name, priority)
