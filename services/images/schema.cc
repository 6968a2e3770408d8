#include "services/images/schema.h"

namespace berth::images {

const std::vector<store::Migration>& Migrations() {
  static const auto* migrations = new std::vector<store::Migration>{
      {1, "images, content, references and leases", R"sql(
        CREATE TABLE images (
          name TEXT PRIMARY KEY,
          target_media_type TEXT NOT NULL,
          target_digest TEXT NOT NULL,
          target_size INTEGER NOT NULL,
          config_digest TEXT NOT NULL,
          labels TEXT NOT NULL DEFAULT '{}',
          created_at INTEGER NOT NULL,
          updated_at INTEGER NOT NULL
        );
        CREATE INDEX images_by_config ON images(config_digest);
        CREATE TABLE content (
          digest TEXT PRIMARY KEY,
          size INTEGER NOT NULL,
          media_type TEXT NOT NULL DEFAULT '',
          created_at INTEGER NOT NULL,
          labels TEXT NOT NULL DEFAULT '{}'
        );
        -- Which blobs each image (by manifest digest) needs: what GC keeps.
        CREATE TABLE image_content (
          manifest_digest TEXT NOT NULL,
          content_digest TEXT NOT NULL,
          PRIMARY KEY (manifest_digest, content_digest)
        );
        CREATE TABLE leases (
          id TEXT PRIMARY KEY,
          created_at INTEGER NOT NULL,
          expires_at INTEGER NOT NULL
        );
        CREATE TABLE lease_content (
          lease_id TEXT NOT NULL REFERENCES leases(id) ON DELETE CASCADE,
          content_digest TEXT NOT NULL,
          PRIMARY KEY (lease_id, content_digest)
        );
      )sql"},
      {2, "image size and creation time", R"sql(
        ALTER TABLE images ADD COLUMN size INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE images ADD COLUMN image_created INTEGER NOT NULL DEFAULT 0;
      )sql"},
      {3, "snapshots held by leases", R"sql(
        CREATE TABLE lease_snapshots (
          lease_id TEXT NOT NULL REFERENCES leases(id) ON DELETE CASCADE,
          snapshot_key TEXT NOT NULL,
          PRIMARY KEY (lease_id, snapshot_key)
        );
      )sql"},
      // A name is unique within a namespace: the CRI's k8s.io images are
      // apart from the CLI's default ones; content stays shared.
      {4, "image namespaces", R"sql(
        CREATE TABLE images_ns (
          namespace TEXT NOT NULL DEFAULT 'default',
          name TEXT NOT NULL,
          target_media_type TEXT NOT NULL,
          target_digest TEXT NOT NULL,
          target_size INTEGER NOT NULL,
          config_digest TEXT NOT NULL,
          labels TEXT NOT NULL DEFAULT '{}',
          created_at INTEGER NOT NULL,
          updated_at INTEGER NOT NULL,
          size INTEGER NOT NULL DEFAULT 0,
          image_created INTEGER NOT NULL DEFAULT 0,
          PRIMARY KEY (namespace, name)
        );
        INSERT INTO images_ns(namespace, name, target_media_type, target_digest, target_size,
                              config_digest, labels, created_at, updated_at, size, image_created)
          SELECT 'default', name, target_media_type, target_digest, target_size, config_digest,
                 labels, created_at, updated_at, size, image_created FROM images;
        DROP TABLE images;
        ALTER TABLE images_ns RENAME TO images;
        CREATE INDEX images_by_config ON images(config_digest);
      )sql"},
      // The image a commit or build step was made on (docker's Parent):
      // untagged parents of other images are a build's intermediate
      // images, hidden from lists and kept by prune while a child lives.
      {5, "image parents", R"sql(
        ALTER TABLE images ADD COLUMN parent TEXT NOT NULL DEFAULT '';
      )sql"},
  };
  return *migrations;
}

}  // namespace berth::images
