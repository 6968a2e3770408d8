#ifndef BERTH_SERVICES_COMMON_STORE_DATABASE_H_
#define BERTH_SERVICES_COMMON_STORE_DATABASE_H_

// Each service's own SQLite database: WAL, a busy timeout, schema versions
// applied by migrations, and serialised transactions. A thin RAII layer over
// the sqlite3 C API.
//
// Threads: one Database is meant to be shared by a service's gRPC handler
// threads. They share one SQLite connection, and a connection has a single
// transaction, so the Database serialises: while one thread is inside
// Transaction(), other threads' Exec/Run/Step calls wait for it to finish
// instead of silently joining its transaction (or reading its uncommitted
// rows). Reads that must be consistent across several statements belong in a
// Transaction too.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

struct sqlite3;
struct sqlite3_stmt;

namespace berth::store {

// One schema step. sql may hold several statements; it runs inside a
// transaction the Database opens, so it must not BEGIN or COMMIT itself (nor
// VACUUM, which cannot run in one).
struct Migration {
  int version;  // 1, 2, 3... strictly increasing.
  std::string description;
  std::string sql;
};

class Database;

// A prepared statement; finalised when destroyed. Must not outlive its
// Database. Use from one thread at a time.
class Statement {
 public:
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Parameters are numbered from 1, as in SQLite. Binds chain; a failed bind
  // is reported by the next Step().
  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, int value) { return Bind(index, static_cast<int64_t>(value)); }
  Statement& Bind(int index, std::string_view text);
  Statement& Bind(int index, const std::string& text) {
    return Bind(index, std::string_view(text));
  }
  Statement& Bind(int index, const char* text) { return Bind(index, std::string_view(text)); }
  Statement& Bind(int index, std::nullptr_t) { return BindNull(index); }
  Statement& BindBlob(int index, std::string_view blob);
  Statement& BindNull(int index);

  // true: a row is available (read it with Column*); false: done.
  absl::StatusOr<bool> Step();
  // Steps to completion, ignoring rows.
  absl::Status Run();
  // Ready to run again; bindings are cleared.
  void Reset();

  // Columns are numbered from 0. NULL reads as 0 or "".
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
  // Opens path (creating it 0600 and its missing parent directories 0700),
  // then applies every migration above the file's PRAGMA user_version. Each
  // migration runs in its own IMMEDIATE transaction that also sets
  // user_version, so a crash or error in the middle leaves the previous
  // version whole. Refuses a database newer than the newest migration, and
  // migrations whose versions are not strictly increasing from 1.
  static absl::StatusOr<std::unique_ptr<Database>> Open(const std::string& path,
                                                        const std::vector<Migration>& migrations);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // PRAGMA user_version, or -1 if it cannot be read.
  int SchemaVersion() const;
  const std::string& path() const { return path_; }

  // Runs one or more statements without results.
  absl::Status Exec(std::string_view sql);
  // Prepares exactly one statement (trailing statements are an error).
  absl::StatusOr<Statement> Prepare(std::string_view sql) const;

  // Prepares sql, binds args to ?1, ?2... in order and runs it.
  template <typename... Args>
  absl::Status Run(std::string_view sql, const Args&... args) {
    absl::StatusOr<Statement> statement = Prepare(sql);
    if (!statement.ok()) return statement.status();
    int index = 1;
    (statement->Bind(index++, args), ...);
    return statement->Run();
  }

  // Rows changed by, and rowid of, this connection's last INSERT/UPDATE/
  // DELETE. Only meaningful inside a Transaction (other threads share the
  // connection).
  int64_t Changes() const;
  int64_t LastInsertRowId() const;

  // BEGIN IMMEDIATE; body; COMMIT when body returns OK, ROLLBACK when it
  // fails (or when COMMIT does). Returns body's error, or COMMIT's.
  //
  // Transactions on one Database are serialised by a mutex, so concurrent
  // handler threads never interleave. IMMEDIATE takes SQLite's write lock up
  // front, so other processes' writers wait on the busy timeout rather than
  // failing half-way. Not reentrant: a body must use the Database it is given
  // and not call Transaction again (that returns FailedPrecondition rather
  // than deadlocking).
  absl::Status Transaction(const std::function<absl::Status(Database&)>& body);

 private:
  friend class Statement;
  class Serialized;

  Database(std::string path, sqlite3* db) : path_(std::move(path)), db_(db) {}
  absl::Status SetPragmas();
  absl::Status Migrate(const std::vector<Migration>& migrations);
  // "sqlite PATH: WHAT: message" for result code rc; the caller holds the
  // connection's mutex, so the message is that call's.
  absl::Status Error(int rc, std::string_view what) const;

  const std::string path_;
  sqlite3* const db_;
  // Held for a whole Transaction, and for single calls made outside one.
  mutable absl::Mutex mu_;
  // The thread inside Transaction(), so that its own calls skip mu_.
  std::atomic<std::thread::id> owner_{};
};

}  // namespace berth::store

#endif  // BERTH_SERVICES_COMMON_STORE_DATABASE_H_
