// Database: opening, statements, errors and transactions.

#include "services/common/store/database.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/common/store/internal.h"
#include "services/common/fs/fs_util.h"

namespace berth::store {
namespace {

// mkdir -p of path's directory; what it creates is 0700 (service state is
// nobody else's business), what exists is left alone.
absl::Status MakeParentDirectories(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos || slash == 0) return absl::OkStatus();
  absl::Status status = fs::MakeDirectories(path.substr(0, slash), 0700);
  if (!status.ok()) {
    return absl::Status(status.code(), absl::StrCat("sqlite ", path, ": ", status.message()));
  }
  return absl::OkStatus();
}

// Creates the file 0600 before SQLite does, so it never exists with the
// umask's mode; SQLite gives the -wal and -shm files the same mode.
absl::Status CreateFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return absl::ErrnoToStatus(errno, absl::StrCat("sqlite ", path, ": create"));
  ::close(fd);
  return absl::OkStatus();
}

}  // namespace

namespace internal {

std::string Shorten(std::string_view sql) {
  std::string text;
  for (char c : sql) {
    if (text.size() == 60) return text + "...";
    bool space = absl::ascii_isspace(static_cast<unsigned char>(c));
    // Runs of whitespace (indentation of multi-line SQL) become one space.
    if (space && (text.empty() || text.back() == ' ')) continue;
    text.push_back(space ? ' ' : c);
  }
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

}  // namespace internal

absl::StatusOr<std::unique_ptr<Database>> Database::Open(const std::string& path,
                                                         const std::vector<Migration>& migrations) {
  for (size_t i = 0; i < migrations.size(); ++i) {
    int previous = i == 0 ? 0 : migrations[i - 1].version;
    if (migrations[i].version <= previous) {
      return absl::InvalidArgumentError(absl::StrCat(
          "sqlite ", path, ": migrations must have strictly increasing versions from 1 (",
          migrations[i].version, " follows ", previous, ")"));
    }
  }
  if (absl::Status status = MakeParentDirectories(path); !status.ok()) return status;
  if (absl::Status status = CreateFile(path); !status.ok()) return status;

  sqlite3* handle = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX,
                           nullptr);
  if (handle == nullptr) {
    return absl::ResourceExhaustedError(absl::StrCat("sqlite ", path, ": out of memory"));
  }
  std::unique_ptr<Database> db(new Database(path, handle));
  if (rc != SQLITE_OK) {
    internal::ConnectionLock lock(handle);
    return db->Error(rc, "open");
  }
  sqlite3_extended_result_codes(handle, 1);
  // Writers from other processes (or Databases) wait this long for the
  // write lock before SQLITE_BUSY.
  sqlite3_busy_timeout(handle, 5000);
  if (absl::Status status = db->SetPragmas(); !status.ok()) return status;
  if (absl::Status status = db->Migrate(migrations); !status.ok()) return status;
  return db;
}

absl::Status Database::SetPragmas() {
  // WAL: readers never block the writer nor the writer readers, and a
  // commit is an append. It is a property of the file, so check it took
  // (some filesystems cannot hold the shared-memory index).
  // Two connections switching a new file to WAL at once can get SQLITE_BUSY
  // without the busy handler being asked (SQLite avoids a lock-upgrade
  // deadlock that way): try again for as long as the busy timeout.
  std::string mode;
  for (int attempt = 0;; ++attempt) {
    absl::StatusOr<Statement> wal = Prepare("PRAGMA journal_mode=WAL");
    if (!wal.ok()) return wal.status();
    absl::StatusOr<bool> row = wal->Step();
    if (row.ok()) {
      mode = *row ? wal->ColumnText(0) : "";
      break;
    }
    if (!absl::IsUnavailable(row.status()) || attempt >= 500) return row.status();
    ::usleep(10 * 1000);
  }
  if (mode != "wal") {
    return absl::FailedPreconditionError(
        absl::StrCat("sqlite ", path_, ": cannot use WAL (journal_mode is \"", mode, "\")"));
  }
  // synchronous=FULL: in WAL mode it syncs the WAL on every commit, so a
  // transaction a service has reported as done survives a power cut too
  // (NORMAL survives a crash of the process but may lose the last commits
  // on power loss). Commits here are small metadata, so one fsync each is
  // cheap, and it is what containerd's bolt database pays as well.
  // foreign_keys: SQLite leaves it off unless asked, per connection.
  return Exec("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;");
}

Database::~Database() { sqlite3_close_v2(db_); }

absl::Status Database::Error(int rc, std::string_view what) const {
  std::string message =
      absl::StrCat("sqlite ", path_, ": ", std::string(what), ": ", sqlite3_errmsg(db_));
  switch (rc) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      return absl::AlreadyExistsError(message);
    default:
      break;
  }
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return absl::UnavailableError(message);
    case SQLITE_CONSTRAINT:  // NOT NULL, CHECK, FOREIGN KEY...
      return absl::FailedPreconditionError(message);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return absl::DataLossError(message);
    case SQLITE_FULL:
      return absl::ResourceExhaustedError(message);
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      return absl::PermissionDeniedError(message);
    default:
      return absl::InternalError(message);
  }
}

int Database::SchemaVersion() const {
  absl::StatusOr<Statement> statement = Prepare("PRAGMA user_version");
  if (!statement.ok()) return -1;
  absl::StatusOr<bool> row = statement->Step();
  return row.ok() && *row ? static_cast<int>(statement->ColumnInt64(0)) : -1;
}

absl::Status Database::Exec(std::string_view sql) {
  std::string text(sql);  // sqlite3_exec wants a NUL-terminated string.
  Serialized serialized(*this);
  internal::ConnectionLock lock(db_);
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return Error(rc, absl::StrCat("exec \"", internal::Shorten(sql), "\""));
  return absl::OkStatus();
}

absl::StatusOr<Statement> Database::Prepare(std::string_view sql) const {
  internal::ConnectionLock lock(db_);
  std::string quoted = absl::StrCat("prepare \"", internal::Shorten(sql), "\"");
  sqlite3_stmt* statement = nullptr;
  const char* tail = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &statement, &tail);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(statement);
    return Error(rc, quoted);
  }
  if (statement == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("sqlite ", path_, ": ", quoted, ": no statement"));
  }
  // A second statement would be ignored silently: refuse it (a trailing
  // comment or semicolon prepares to nothing and is fine).
  const char* end = sql.data() + sql.size();
  sqlite3_stmt* next = nullptr;
  rc = sqlite3_prepare_v2(db_, tail, static_cast<int>(end - tail), &next, nullptr);
  sqlite3_finalize(next);
  if (rc != SQLITE_OK || next != nullptr) {
    sqlite3_finalize(statement);
    return absl::InvalidArgumentError(
        absl::StrCat("sqlite ", path_, ": ", quoted, ": more than one statement (use Exec)"));
  }
  return Statement(this, statement, std::string(sql));
}

int64_t Database::Changes() const { return sqlite3_changes64(db_); }

int64_t Database::LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }

absl::Status Database::Transaction(const std::function<absl::Status(Database&)>& body) {
  if (owner_.load() == std::this_thread::get_id()) {
    return absl::FailedPreconditionError(
        absl::StrCat("sqlite ", path_, ": nested transactions are not supported"));
  }
  absl::MutexLock serialized(&mu_);
  owner_.store(std::this_thread::get_id());
  // Whatever way the body leaves (error, or an exception), no transaction
  // stays open and the next thread becomes free to start one.
  struct Finish {
    Database* db;
    ~Finish() {
      if (sqlite3_get_autocommit(db->db_) == 0) {
        sqlite3_exec(db->db_, "ROLLBACK", nullptr, nullptr, nullptr);
      }
      db->owner_.store(std::thread::id());
    }
  } finish{this};
  if (absl::Status begin = Exec("BEGIN IMMEDIATE"); !begin.ok()) return begin;
  absl::Status status = body(*this);
  if (status.ok()) status = Exec("COMMIT");
  // On any failure, ~Finish rolls back (also after a failed COMMIT, which
  // can leave the transaction open).
  return status;
}

}  // namespace berth::store
