#include "engine/common/log.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>

#include <mutex>

#include <dlfcn.h>

namespace jubian {

std::shared_ptr<spdlog::logger> logger(const std::string& subsystem) {
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  if (auto existing = spdlog::get(subsystem)) return existing;
  auto created = spdlog::stderr_color_mt(subsystem);
  created->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ [%n] %v");
  return created;
}

void set_log_level(const std::string& level) { spdlog::set_level(spdlog::level::from_str(level)); }

std::string allocator_name() {
  // Looked up at run time so the answer is what the process really links, not a build flag.
  using MallctlFn = int (*)(const char*, void*, size_t*, void*, size_t);
  auto mallctl = reinterpret_cast<MallctlFn>(dlsym(RTLD_DEFAULT, "mallctl"));
  if (mallctl == nullptr) return "glibc malloc (jemalloc not linked)";
  const char* version = nullptr;
  size_t size = sizeof(version);
  if (mallctl("version", &version, &size, nullptr, 0) == 0 && version != nullptr) return std::string("jemalloc ") + version;
  return "jemalloc (version unavailable)";
}

}  // namespace jubian
