#ifndef BERTH_SERVICES_COMMON_BASE_LOG_H_
#define BERTH_SERVICES_COMMON_BASE_LOG_H_

// A small leveled logger writing logfmt lines to stderr, as dockerd does:
//   time="2026-11-22T10:00:00.123Z" level=info msg="..." component=images
// Services run under berthd (or systemd), which collects stderr.

#include <sstream>
#include <string>
#include <string_view>

namespace berth::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3, kFatal = 4 };

// Parses debug, info, warn, error, fatal.
bool ParseLevel(std::string_view text, Level* level);
void SetLevel(Level level);
bool Enabled(Level level);
// Names the process in every line ("berthd", "images"...).
void SetComponent(std::string component);
void Write(Level level, std::string_view message);

// Collects one message with operator<< and writes it when destroyed.
class Line {
 public:
  explicit Line(Level level) : level_(level) {}
  ~Line() { Write(level_, stream_.str()); }
  Line(const Line&) = delete;
  Line& operator=(const Line&) = delete;

  template <typename T>
  Line& operator<<(const T& value) {
    stream_ << value;
    return *this;
  }

 private:
  Level level_;
  std::ostringstream stream_;
};

// Turns the streamed expression into void, so that BERTH_LOG can be a
// conditional expression (no dangling else inside an unbraced if).
struct Voidify {
  void operator&(const Line&) {}
};

}  // namespace berth::log

#define BERTH_LOG(severity)                                           \
  !::berth::log::Enabled(::berth::log::Level::k##severity)           \
      ? (void)0                                                       \
      : ::berth::log::Voidify() & ::berth::log::Line(::berth::log::Level::k##severity)

#endif  // BERTH_SERVICES_COMMON_BASE_LOG_H_
