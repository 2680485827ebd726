#include "observe/log.hpp"

#include <spdlog/sinks/stdout_sinks.h>

namespace warden::observe {

void InitLogging(std::string_view level) {
  auto logger = spdlog::stderr_logger_mt("warden");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %l %v");
  auto lvl = spdlog::level::from_str(std::string(level));
  if (lvl == spdlog::level::off && level != "off") lvl = spdlog::level::info;
  logger->set_level(lvl);
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

}  // namespace warden::observe
