#pragma once
// The one include for spiders, middlewares and pipelines.
#include <orbweaver/crawler.hpp>
#include <orbweaver/error.hpp>
#include <orbweaver/headers.hpp>
#include <orbweaver/item.hpp>
#include <orbweaver/log.hpp>
#include <orbweaver/meta.hpp>
#include <orbweaver/middleware.hpp>
#include <orbweaver/output.hpp>
#include <orbweaver/pipeline.hpp>
#include <orbweaver/request.hpp>
#include <orbweaver/response.hpp>
#include <orbweaver/selector.hpp>
#include <orbweaver/settings.hpp>
#include <orbweaver/spider.hpp>
#include <orbweaver/stats.hpp>
#include <orbweaver/url.hpp>
