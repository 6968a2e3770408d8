#include "services/common/store/database.h"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace berth::store {
namespace {

// A fresh directory per test under $TEST_TMPDIR.
std::string TestPath(const std::string& name) {
  std::string dir = std::string(std::getenv("TEST_TMPDIR")) + "/" +
                    ::testing::UnitTest::GetInstance()->current_test_info()->name();
  ::mkdir(dir.c_str(), 0755);
  return dir + "/" + name;
}

// Each migration logs itself, so the order they ran in shows.
const std::vector<Migration> kMigrations = {
    {1, "items",
     "CREATE TABLE applied (version INTEGER NOT NULL);"
     "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
     "INSERT INTO applied VALUES (1);"},
    {2, "counter",
     "CREATE TABLE counter (n INTEGER NOT NULL); INSERT INTO counter VALUES (0);"
     "INSERT INTO applied VALUES (2);"},
    {3, "tags",
     "CREATE TABLE tags (item INTEGER NOT NULL REFERENCES items(id), tag TEXT NOT NULL);"
     "ALTER TABLE items ADD COLUMN data BLOB;"
     "INSERT INTO applied VALUES (3);"},
};

std::vector<Migration> UpTo(int version) {
  return std::vector<Migration>(kMigrations.begin(), kMigrations.begin() + version);
}

int64_t QueryInt(const Database& db, const std::string& sql) {
  auto statement = db.Prepare(sql);
  EXPECT_TRUE(statement.ok()) << statement.status();
  if (!statement.ok()) return -1;
  auto row = statement->Step();
  EXPECT_TRUE(row.ok() && *row) << sql;
  return statement->ColumnInt64(0);
}

std::string AppliedVersions(const Database& db) {
  auto statement = db.Prepare("SELECT group_concat(version, ',') FROM applied");
  EXPECT_TRUE(statement.ok()) << statement.status();
  auto row = statement->Step();
  EXPECT_TRUE(row.ok() && *row);
  return statement->ColumnText(0);
}

bool HasTable(const Database& db, const std::string& table) {
  return QueryInt(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '" +
                          table + "'") == 1;
}

TEST(DatabaseTest, OpenCreatesPrivateDirectoryAndFileAndUsesWal) {
  std::string path = TestPath("nested/dir/meta.db");
  auto db = Database::Open(path, kMigrations);
  ASSERT_TRUE(db.ok()) << db.status();
  auto mode = (*db)->Prepare("PRAGMA journal_mode");
  ASSERT_TRUE(mode.ok()) << mode.status();
  ASSERT_TRUE(*mode->Step());
  EXPECT_EQ(mode->ColumnText(0), "wal");
  EXPECT_EQ(QueryInt(**db, "PRAGMA foreign_keys"), 1);
  EXPECT_EQ(QueryInt(**db, "PRAGMA synchronous"), 2);  // FULL.
  ASSERT_TRUE((*db)->Run("INSERT INTO items(name) VALUES (?)", "a").ok());
  struct stat st;
  EXPECT_EQ(::stat((path + "-wal").c_str(), &st), 0) << "no WAL file after a write";
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(TestPath("nested/dir").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST(DatabaseTest, MigrationsApplyInOrderAndOnlyOnce) {
  std::string path = TestPath("meta.db");
  {
    auto db = Database::Open(path, UpTo(1));
    ASSERT_TRUE(db.ok()) << db.status();
    EXPECT_EQ((*db)->SchemaVersion(), 1);
    ASSERT_TRUE((*db)->Run("INSERT INTO items(name) VALUES (?)", "kept").ok());
  }
  {
    auto db = Database::Open(path, kMigrations);
    ASSERT_TRUE(db.ok()) << db.status();
    EXPECT_EQ((*db)->SchemaVersion(), 3);
    EXPECT_EQ(AppliedVersions(**db), "1,2,3");
    EXPECT_EQ(QueryInt(**db, "SELECT count(*) FROM items"), 1);
  }
  // Reopening applies nothing again.
  auto db = Database::Open(path, kMigrations);
  ASSERT_TRUE(db.ok()) << db.status();
  EXPECT_EQ(AppliedVersions(**db), "1,2,3");
  EXPECT_EQ(QueryInt(**db, "SELECT count(*) FROM counter"), 1);
}

TEST(DatabaseTest, FailedMigrationLeavesPreviousVersionIntact) {
  std::string path = TestPath("meta.db");
  {
    auto db = Database::Open(path, UpTo(1));
    ASSERT_TRUE(db.ok()) << db.status();
    ASSERT_TRUE((*db)->Run("INSERT INTO items(name) VALUES (?)", "kept").ok());
  }
  std::vector<Migration> broken = UpTo(1);
  broken.push_back({2, "half-broken",
                    "CREATE TABLE extra (x INTEGER); INSERT INTO items(name) VALUES ('lost');"
                    "INSERT INTO nosuch VALUES (1);"});
  auto failed = Database::Open(path, broken);
  ASSERT_FALSE(failed.ok());
  std::string message(failed.status().message());
  EXPECT_NE(message.find("migration 2 (half-broken): sqlite " + path), std::string::npos)
      << message;
  EXPECT_NE(message.find("no such table: nosuch"), std::string::npos) << message;

  auto db = Database::Open(path, UpTo(1));
  ASSERT_TRUE(db.ok()) << db.status();
  EXPECT_EQ((*db)->SchemaVersion(), 1);
  // What the failed migration did before failing was rolled back with it.
  EXPECT_FALSE(HasTable(**db, "extra"));
  EXPECT_EQ(QueryInt(**db, "SELECT count(*) FROM items"), 1);
  EXPECT_EQ(AppliedVersions(**db), "1");
  // And a fixed binary migrates from there.
  auto fixed = Database::Open(path, kMigrations);
  ASSERT_TRUE(fixed.ok()) << fixed.status();
  EXPECT_EQ(AppliedVersions(**fixed), "1,2,3");
}

TEST(DatabaseTest, RefusesDowngrade) {
  std::string path = TestPath("meta.db");
  ASSERT_TRUE(Database::Open(path, kMigrations).ok());
  auto old_binary = Database::Open(path, UpTo(1));
  ASSERT_FALSE(old_binary.ok());
  EXPECT_EQ(old_binary.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(old_binary.status().message(),
            "database " + path +
                " has schema version 3, this binary knows up to 1; refusing to downgrade");
  // The refused open changed nothing.
  auto db = Database::Open(path, kMigrations);
  ASSERT_TRUE(db.ok()) << db.status();
  EXPECT_EQ((*db)->SchemaVersion(), 3);
}

TEST(DatabaseTest, RefusesMigrationsNotStrictlyIncreasing) {
  const std::vector<std::vector<Migration>> bad = {
      {kMigrations[1], kMigrations[0]},
      {kMigrations[0], kMigrations[0]},
      {{0, "zero", "CREATE TABLE z (x);"}},
      {{-1, "negative", "CREATE TABLE z (x);"}},
  };
  for (const auto& migrations : bad) {
    std::string path = TestPath("unordered.db");
    auto db = Database::Open(path, migrations);
    ASSERT_FALSE(db.ok());
    EXPECT_EQ(db.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(db.status().message().find("strictly increasing"), std::string::npos) << db.status();
    EXPECT_NE(::access(path.c_str(), F_OK), 0) << "refused before creating the file";
  }
}

TEST(DatabaseTest, TransactionCommitsOrRollsBack) {
  auto db = Database::Open(TestPath("meta.db"), kMigrations);
  ASSERT_TRUE(db.ok()) << db.status();
  absl::Status committed = (*db)->Transaction(
      [](Database& tx) { return tx.Run("INSERT INTO items(name) VALUES (?), (?)", "a", "b"); });
  ASSERT_TRUE(committed.ok()) << committed;
  EXPECT_EQ(QueryInt(**db, "SELECT count(*) FROM items"), 2);

  absl::Status rolled_back = (*db)->Transaction([](Database& tx) -> absl::Status {
    absl::Status inserted = tx.Run("INSERT INTO items(name) VALUES (?)", "c");
    if (!inserted.ok()) return inserted;
    return absl::AbortedError("changed my mind");
  });
  EXPECT_EQ(rolled_back, absl::AbortedError("changed my mind"));
  EXPECT_EQ(QueryInt(**db, "SELECT count(*) FROM items WHERE name = 'c'"), 0);

  // A constraint failure inside the body rolls back the earlier insert too.
  absl::Status duplicate = (*db)->Transaction([](Database& tx) -> absl::Status {
    absl::Status first = tx.Run("INSERT INTO items(name) VALUES (?)", "d");
    if (!first.ok()) return first;
    return tx.Run("INSERT INTO items(name) VALUES (?)", "a");
  });
  EXPECT_EQ(duplicate.code(), absl::StatusCode::kAlreadyExists) << duplicate;
  EXPECT_NE(duplicate.message().find("UNIQUE constraint failed: items.name"), std::string::npos)
      << duplicate;
  EXPECT_EQ(QueryInt(**db, "SELECT count(*) FROM items"), 2);

  // The connection is usable (no transaction left open) afterwards.
  EXPECT_TRUE((*db)
                  ->Transaction([](Database& tx) {
                    return tx.Run("INSERT INTO items(name) VALUES (?)", "e");
                  })
                  .ok());
  EXPECT_EQ(QueryInt(**db, "SELECT count(*) FROM items"), 3);
}

TEST(DatabaseTest, ForeignKeysAreEnforced) {
  auto db = Database::Open(TestPath("meta.db"), kMigrations);
  ASSERT_TRUE(db.ok()) << db.status();
  absl::Status orphan = (*db)->Run("INSERT INTO tags(item, tag) VALUES (?, ?)", 42, "x");
  EXPECT_EQ(orphan.code(), absl::StatusCode::kFailedPrecondition) << orphan;
  EXPECT_NE(orphan.message().find("FOREIGN KEY constraint failed"), std::string::npos) << orphan;
}

TEST(DatabaseTest, NestedTransactionIsRefusedNotDeadlocked) {
  auto db = Database::Open(TestPath("meta.db"), kMigrations);
  ASSERT_TRUE(db.ok()) << db.status();
  absl::Status inner;
  absl::Status outer = (*db)->Transaction([&](Database& tx) -> absl::Status {
    absl::Status inserted = tx.Run("INSERT INTO items(name) VALUES (?)", "outer");
    inner = tx.Transaction([](Database&) { return absl::OkStatus(); });
    return inserted;
  });
  EXPECT_TRUE(outer.ok()) << outer;
  EXPECT_EQ(inner.code(), absl::StatusCode::kFailedPrecondition) << inner;
  EXPECT_NE(inner.message().find("nested transactions are not supported"), std::string::npos);
  EXPECT_EQ(QueryInt(**db, "SELECT count(*) FROM items"), 1);
}

TEST(DatabaseTest, ConcurrentTransactionsAreSerialised) {
  auto db = Database::Open(TestPath("meta.db"), kMigrations);
  ASSERT_TRUE(db.ok()) << db.status();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        // Read-modify-write: lost updates would show if transactions interleaved.
        absl::Status status = (*db)->Transaction([](Database& tx) -> absl::Status {
          auto read = tx.Prepare("SELECT n FROM counter");
          if (!read.ok()) return read.status();
          auto row = read->Step();
          if (!row.ok()) return row.status();
          int64_t n = read->ColumnInt64(0);
          return tx.Run("UPDATE counter SET n = ?", n + 1);
        });
        EXPECT_TRUE(status.ok()) << status;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(QueryInt(**db, "SELECT n FROM counter"), 800);
}

// Threads share one connection: a statement from another thread must neither
// join an open transaction (and be rolled back with it) nor see its rows.
TEST(DatabaseTest, StatementsOutsideTransactionsWaitForOtherThreadsTransaction) {
  auto db = Database::Open(TestPath("meta.db"), kMigrations);
  ASSERT_TRUE(db.ok()) << db.status();
  std::atomic<bool> inside{false};
  std::thread holder([&] {
    absl::Status status = (*db)->Transaction([&](Database& tx) -> absl::Status {
      absl::Status inserted = tx.Run("INSERT INTO items(name) VALUES (?)", "uncommitted");
      inside = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      if (!inserted.ok()) return inserted;
      return absl::AbortedError("roll back");
    });
    EXPECT_EQ(status.code(), absl::StatusCode::kAborted);
  });
  while (!inside) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_EQ(QueryInt(**db, "SELECT count(*) FROM items WHERE name = 'uncommitted'"), 0);
  absl::Status mine = (*db)->Run("INSERT INTO items(name) VALUES (?)", "mine");
  holder.join();
  EXPECT_TRUE(mine.ok()) << mine;
  EXPECT_EQ(QueryInt(**db, "SELECT count(*) FROM items WHERE name = 'mine'"), 1)
      << "a write from another thread was rolled back with the transaction";
  EXPECT_EQ(QueryInt(**db, "SELECT count(*) FROM items WHERE name = 'uncommitted'"), 0);
}

TEST(DatabaseTest, SecondConnectionSeesCommitsAndWaitsForTheWriter) {
  std::string path = TestPath("meta.db");
  // Two Databases on one file: two connections, as another process would have.
  auto writer = Database::Open(path, kMigrations);
  auto other = Database::Open(path, kMigrations);
  ASSERT_TRUE(writer.ok()) << writer.status();
  ASSERT_TRUE(other.ok()) << other.status();
  ASSERT_TRUE((*writer)->Run("INSERT INTO items(name) VALUES (?)", "x").ok());
  EXPECT_EQ(QueryInt(**other, "SELECT count(*) FROM items"), 1);

  // The writer holds the write lock for 300 ms; the other connection's write
  // waits on the busy timeout instead of failing at once with SQLITE_BUSY.
  std::atomic<bool> locked{false};
  std::thread holder([&] {
    absl::Status status = (*writer)->Transaction([&](Database& tx) -> absl::Status {
      absl::Status inserted = tx.Run("INSERT INTO items(name) VALUES (?)", "held");
      locked = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      return inserted;
    });
    EXPECT_TRUE(status.ok()) << status;
  });
  while (!locked) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  // WAL: reading does not wait for the writer, and sees only committed rows.
  EXPECT_EQ(QueryInt(**other, "SELECT count(*) FROM items"), 1);
  auto start = std::chrono::steady_clock::now();
  absl::Status waited = (*other)->Transaction(
      [](Database& tx) { return tx.Run("INSERT INTO items(name) VALUES (?)", "after"); });
  auto elapsed = std::chrono::steady_clock::now() - start;
  holder.join();
  EXPECT_TRUE(waited.ok()) << waited;
  EXPECT_GE(elapsed, std::chrono::milliseconds(150)) << "did not wait for the writer";
  EXPECT_EQ(QueryInt(**other, "SELECT count(*) FROM items"), 3);
}

TEST(DatabaseTest, ConcurrentOpensOfANewFileMigrateOnce) {
  std::string path = TestPath("meta.db");
  std::vector<std::thread> threads;
  std::vector<absl::Status> results(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] { results[t] = Database::Open(path, kMigrations).status(); });
  }
  for (auto& thread : threads) thread.join();
  for (const absl::Status& status : results) EXPECT_TRUE(status.ok()) << status;
  auto db = Database::Open(path, kMigrations);
  ASSERT_TRUE(db.ok()) << db.status();
  EXPECT_EQ(AppliedVersions(**db), "1,2,3");
}

TEST(DatabaseTest, StatementBindsAndReadsEveryType) {
  auto db = Database::Open(TestPath("meta.db"), kMigrations);
  ASSERT_TRUE(db.ok()) << db.status();
  auto insert = (*db)->Prepare("INSERT INTO items(id, name, data) VALUES (?, ?, ?)");
  ASSERT_TRUE(insert.ok()) << insert.status();
  const std::string blob("\0\x01\xff binary", 10);
  ASSERT_TRUE(insert->Bind(1, int64_t{1} << 40).Bind(2, "first").BindBlob(3, blob).Run().ok());
  insert->Reset();
  ASSERT_TRUE(insert->Bind(1, 2).Bind(2, std::string("second")).BindNull(3).Run().ok());
  insert->Reset();
  ASSERT_TRUE(insert->Bind(1, 3).Bind(2, std::string_view("third")).BindBlob(3, "").Run().ok());

  auto select = (*db)->Prepare("SELECT id, name, data FROM items WHERE id = ?");
  ASSERT_TRUE(select.ok()) << select.status();
  ASSERT_TRUE(*select->Bind(1, int64_t{1} << 40).Step());
  EXPECT_EQ(select->ColumnInt64(0), int64_t{1} << 40);
  EXPECT_EQ(select->ColumnText(1), "first");
  EXPECT_EQ(select->ColumnBlob(2), blob);
  EXPECT_FALSE(select->ColumnIsNull(2));
  EXPECT_FALSE(*select->Step());

  select->Reset();
  ASSERT_TRUE(*select->Bind(1, 2).Step());
  EXPECT_TRUE(select->ColumnIsNull(2));
  EXPECT_EQ(select->ColumnBlob(2), "");

  select->Reset();
  ASSERT_TRUE(*select->Bind(1, 3).Step());
  EXPECT_FALSE(select->ColumnIsNull(2)) << "an empty blob is not NULL";

  // Run() binds in order, nullptr as NULL.
  ASSERT_TRUE(
      (*db)->Run("INSERT INTO items(id, name, data) VALUES (?, ?, ?)", 4, "fourth", nullptr).ok());
  EXPECT_EQ(QueryInt(**db, "SELECT count(*) FROM items WHERE data IS NULL"), 2);

  // A bad bind is reported by Step, naming the statement.
  auto bad = (*db)->Prepare("SELECT ?");
  ASSERT_TRUE(bad.ok());
  absl::StatusOr<bool> step = bad->Bind(2, 1).Step();
  ASSERT_FALSE(step.ok());
  EXPECT_NE(step.status().message().find("bind \"SELECT ?\""), std::string::npos) << step.status();

  // Moving keeps the statement usable.
  Statement moved = *std::move(select);
  moved.Reset();
  ASSERT_TRUE(*moved.Bind(1, 4).Step());
  EXPECT_EQ(moved.ColumnText(1), "fourth");
}

TEST(DatabaseTest, ErrorsNameTheDatabaseAndStatement) {
  std::string path = TestPath("meta.db");
  auto db = Database::Open(path, kMigrations);
  ASSERT_TRUE(db.ok()) << db.status();
  auto missing = (*db)->Prepare("SELECT *\n    FROM x");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(),
            "sqlite " + path + ": prepare \"SELECT * FROM x\": no such table: x");

  auto two = (*db)->Prepare("SELECT 1; DELETE FROM items");
  ASSERT_FALSE(two.ok());
  EXPECT_NE(two.status().message().find("more than one statement"), std::string::npos)
      << two.status();
  EXPECT_TRUE((*db)->Prepare("SELECT 1; -- trailing comment").ok());

  absl::Status exec = (*db)->Exec("CREATE TABLE items (x)");
  EXPECT_EQ(exec.message(),
            "sqlite " + path + ": exec \"CREATE TABLE items (x)\": table items already exists");
}

TEST(DatabaseTest, NotADatabaseIsReported) {
  std::string path = TestPath("garbage.db");
  {
    FILE* file = std::fopen(path.c_str(), "w");
    ASSERT_NE(file, nullptr);
    std::fputs("this is not an SQLite database, just text long enough to have a header.......",
               file);
    std::fclose(file);
  }
  auto db = Database::Open(path, kMigrations);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), absl::StatusCode::kDataLoss) << db.status();
  EXPECT_NE(db.status().message().find("sqlite " + path), std::string::npos) << db.status();
}

}  // namespace
}  // namespace berth::store
