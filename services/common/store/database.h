#ifndef BERTH_SERVICES_COMMON_STORE_DATABASE_H_
#define BERTH_SERVICES_COMMON_STORE_DATABASE_H_

// Each service's own SQLite database: WAL, a busy timeout, schema versions
// applied by migrations, and serialised transactions. A thin RAII layer over
// the sqlite3 C API.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

struct sqlite3;
struct sqlite3_stmt;

namespace berth::store {

struct Migration {
  int version;
  std::string description;
  std::string sql;
};

class Database;

// A prepared statement; finalised when destroyed.
class Statement {
 public:
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Parameters are numbered from 1, as in SQLite.
  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, int value) { return Bind(index, static_cast<int64_t>(value)); }
  Statement& Bind(int index, std::string_view text);
  Statement& Bind(int index, const std::string& text) { return Bind(index, std::string_view(text)); }
  Statement& Bind(int index, const char* text) { return Bind(index, std::string_view(text)); }
  Statement& BindBlob(int index, std::string_view blob);
  Statement& BindNull(int index);

  // true when a row is available, false when done. A failed bind reports
  // its error here.
  absl::StatusOr<bool> Step();
  // Runs to completion, ignoring rows.
  absl::Status Run();
  void Reset();

  int64_t ColumnInt64(int column) const;
  std::string ColumnText(int column) const;
  std::string ColumnBlob(int column) const;
  bool ColumnIsNull(int column) const;

 private:
  friend class Database;
  Statement(const Database* db, sqlite3_stmt* statement, std::string sql)
      : db_(db), statement_(statement), sql_(std::move(sql)) {}
  void NoteBind(int rc);

  const Database* db_;
  sqlite3_stmt* statement_;
  std::string sql_;
  absl::Status bind_error_;
};

class Database {
 public:
  // Opens (creating the file and its directory, 0700) and migrates up to
  // the newest migration. Each migration runs in its own IMMEDIATE
  // transaction that also sets PRAGMA user_version, so a crash in the middle
  // leaves the previous version whole. A database newer than the binary is
  // refused rather than used.
  static absl::StatusOr<std::unique_ptr<Database>> Open(const std::string& path,
                                                        const std::vector<Migration>& migrations);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  int SchemaVersion() const;
  const std::string& path() const { return path_; }

  absl::Status Exec(std::string_view sql);
  absl::StatusOr<Statement> Prepare(std::string_view sql) const;

  // Prepares, binds the arguments in order and runs one statement.
  template <typename... Args>
  absl::Status Run(std::string_view sql, const Args&... args) {
    absl::StatusOr<Statement> statement = Prepare(sql);
    if (!statement.ok()) return statement.status();
    int index = 1;
    (statement->Bind(index++, args), ...);
    return statement->Run();
  }

  // BEGIN IMMEDIATE; body; COMMIT, or ROLLBACK when body fails (or COMMIT
  // does). Transactions of one Database are serialised by a mutex so that
  // gRPC handler threads sharing it cannot interleave; a body must not start
  // another transaction (not reentrant).
  absl::Status Transaction(const std::function<absl::Status(Database&)>& body);

  // "sqlite PATH: WHAT: message" for the last error.
  absl::Status Error(std::string_view what) const;

 private:
  Database(std::string path, sqlite3* db) : path_(std::move(path)), db_(db) {}
  absl::Status Migrate(const std::vector<Migration>& migrations);

  std::string path_;
  sqlite3* db_;
  absl::Mutex transaction_mu_;
};

}  // namespace berth::store

#endif  // BERTH_SERVICES_COMMON_STORE_DATABASE_H_
