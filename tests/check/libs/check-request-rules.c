/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers */
/* The client library's rules, called directly, with no GStreamer: every
 * rule of the create contract (seedance_request_build) and the tolerant
 * reading of the service's answers (seedance_task_parse and friends).
 * check-request.c tests the same rules through the element. */
#include <check.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "json-guard.h"
#include "request.h"
#include "task.h"

/* A 1x1 PNG and the start of a WAV file: content, not names, decide. */
static const guint8 png_1x1[] = {
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d,
  0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,
  0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00,
  0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0,
  0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99, 0x3d, 0x1d, 0x00, 0x00,
  0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82
};

static const guint8 wav_header[] = {
  'R', 'I', 'F', 'F', 0x24, 0x00, 0x00, 0x00, 'W', 'A', 'V', 'E',
  'f', 'm', 't', ' ', 0x10, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00,
  0x40, 0x1f, 0x00, 0x00, 0x80, 0x3e, 0x00, 0x00, 0x02, 0x00, 0x10, 0x00,
  'd', 'a', 't', 'a', 0x00, 0x00, 0x00, 0x00
};

/* Scratch files for the tests that read local media; removed by main. */
static gchar *scratch_dir;

static gchar *
scratch_file (const gchar * name, const void *data, gsize len)
{
  gchar *path = g_build_filename (scratch_dir, name, NULL);

  ck_assert (g_file_set_contents (path, data, len, NULL));
  return path;
}

/* --- helpers for the create body --- */

/* Params with a prompt, otherwise the defaults. */
static SeedanceRequestParams
params_with_prompt (void)
{
  SeedanceRequestParams p;

  seedance_request_params_init (&p);
  p.prompt = "A red fox in the snow";
  return p;
}

/* Builds the body, which must succeed, and returns its root object (owned
 * by *node). */
static JsonObject *
build_ok (const SeedanceRequestParams * p, JsonNode ** node)
{
  GError *err = NULL;
  gchar *body = seedance_request_build (p, &err);

  ck_assert_msg (err == NULL, "%s", err->message);
  ck_assert_ptr_nonnull (body);
  *node = json_from_string (body, &err);
  ck_assert_msg (err == NULL, "%s", err->message);
  ck_assert (JSON_NODE_HOLDS_OBJECT (*node));
  g_free (body);
  return json_node_get_object (*node);
}

/* The build must fail with `code`, its message starting with `property`
 * (the element property's name) and containing `rule` when not NULL. */
static void
build_refused (const SeedanceRequestParams * p, gint code,
    const gchar * property, const gchar * rule)
{
  GError *err = NULL;
  gchar *body = seedance_request_build (p, &err);

  ck_assert_ptr_null (body);
  ck_assert_msg (g_error_matches (err, SEEDANCE_REQUEST_ERROR, code), "%s",
      err ? err->message : "no error");
  if (!g_str_has_prefix (err->message, property))
    g_error ("\"%s\" does not start with \"%s\"", err->message, property);
  if (rule && strstr (err->message, rule) == NULL)
    g_error ("\"%s\" does not contain \"%s\"", err->message, rule);
  g_clear_error (&err);
}

/* A settings rule: the build refuses it, and so does validation alone
 * (which touches no file), with the same message. */
static void
refused (const SeedanceRequestParams * p, const gchar * property,
    const gchar * rule)
{
  GError *err = NULL, *build_err = NULL;

  build_refused (p, SEEDANCE_REQUEST_ERROR_SETTINGS, property, rule);
  ck_assert (!seedance_request_validate (p, &err));
  ck_assert_msg (g_error_matches (err, SEEDANCE_REQUEST_ERROR,
          SEEDANCE_REQUEST_ERROR_SETTINGS), "%s",
      err ? err->message : "no error");
  ck_assert_ptr_null (seedance_request_build (p, &build_err));
  ck_assert_pstr_eq (err->message, build_err->message);
  g_error_free (build_err);
  g_error_free (err);
}

static JsonArray *
content_of (JsonObject * body)
{
  return json_object_get_array_member (body, "content");
}

static JsonObject *
item (JsonObject * body, guint i)
{
  return json_array_get_object_element (content_of (body), i);
}

/* Asserts that content item `i` is {"type": type, type: {"url": url},
 * "role": role} (url NULL: any). */
static void
assert_media_item (JsonObject * body, guint i, const gchar * type,
    const gchar * url, const gchar * role)
{
  JsonObject *it = item (body, i);

  ck_assert_pstr_eq (json_object_get_string_member (it, "type"), type);
  ck_assert_pstr_eq (json_object_get_string_member (it, "role"), role);
  if (url)
    ck_assert_pstr_eq (json_object_get_string_member
        (json_object_get_object_member (it, type), "url"), url);
}

/* --- the create body: defaults, models, resolutions --- */

START_TEST (test_defaults)
{
  SeedanceRequestParams p = params_with_prompt ();
  JsonNode *node;
  JsonObject *body = build_ok (&p, &node);
  const gchar *const absent[] = { "frames", "seed", "watermark",
    "return_last_frame", "service_tier", "execution_expires_after",
    "priority", "callback_url", "safety_identifier", "prompt", "size", NULL
  };
  guint i;

  ck_assert_pstr_eq (json_object_get_string_member (body, "model"),
      SEEDANCE_DEFAULT_MODEL);
  ck_assert_int_eq (json_array_get_length (content_of (body)), 1);
  ck_assert_pstr_eq (json_object_get_string_member (item (body, 0), "type"),
      "text");
  ck_assert_pstr_eq (json_object_get_string_member (item (body, 0), "text"),
      "A red fox in the snow");
  ck_assert_int_eq (json_object_get_int_member (body, "duration"), 5);
  ck_assert_pstr_eq (json_object_get_string_member (body, "resolution"),
      "720p");
  ck_assert_pstr_eq (json_object_get_string_member (body, "ratio"), "16:9");
  /* Always sent, so that the service's default never decides. */
  ck_assert (json_object_has_member (body, "generate_audio"));
  ck_assert (!json_object_get_boolean_member (body, "generate_audio"));
  for (i = 0; absent[i]; i++)
    if (json_object_has_member (body, absent[i]))
      g_error ("\"%s\" sent without being set", absent[i]);
  json_node_unref (node);
}

END_TEST
START_TEST (test_models_and_resolutions)
{
  const gchar *const resolutions[] = { "480p", "720p", "1080p", NULL };
  const gchar *const models[] = { SEEDANCE_DEFAULT_MODEL,
    SEEDANCE_FAST_MODEL, NULL
  };
  guint m, r;

  for (m = 0; models[m]; m++) {
    for (r = 0; resolutions[r]; r++) {
      SeedanceRequestParams p = params_with_prompt ();
      JsonNode *node;
      JsonObject *body;

      p.model = models[m];
      p.resolution = resolutions[r];
      if (m == 1 && r == 2) {
        /* The fast model makes 480p and 720p only. */
        refused (&p, "resolution:", SEEDANCE_FAST_MODEL);
        continue;
      }
      body = build_ok (&p, &node);
      ck_assert_pstr_eq (json_object_get_string_member (body, "model"),
          models[m]);
      ck_assert_pstr_eq (json_object_get_string_member (body, "resolution"),
          resolutions[r]);
      json_node_unref (node);
    }
  }
}

END_TEST
START_TEST (test_bad_model_and_resolution)
{
  const gchar *const bad_models[] = { "doubao-seedance-1-0-pro",
    "Doubao-Seedance-2.0", "", NULL
  };
  const gchar *const bad_resolutions[] = { "4k", "720", "720P", "", NULL };
  SeedanceRequestParams p;
  guint i;

  for (i = 0; bad_models[i]; i++) {
    p = params_with_prompt ();
    p.model = bad_models[i];
    refused (&p, "model:", "is not a model of this API");
  }
  p = params_with_prompt ();
  p.model = NULL;
  refused (&p, "model:", NULL);

  for (i = 0; bad_resolutions[i]; i++) {
    p = params_with_prompt ();
    p.resolution = bad_resolutions[i];
    refused (&p, "resolution:", "480p, 720p or 1080p");
  }
  p = params_with_prompt ();
  p.resolution = NULL;
  refused (&p, "resolution:", NULL);
}

END_TEST
/* --- duration and frames --- */
START_TEST (test_duration_range)
{
  gint d;

  for (d = -1; d <= 20; d++) {
    SeedanceRequestParams p = params_with_prompt ();
    JsonNode *node;
    JsonObject *body;

    p.duration = d;
    if (d < SEEDANCE_MIN_DURATION || d > SEEDANCE_MAX_DURATION) {
      /* 0 too: without frames, a duration is needed. */
      refused (&p, "duration:", "must be 5 to 15 seconds");
      continue;
    }
    body = build_ok (&p, &node);
    ck_assert_int_eq (json_object_get_int_member (body, "duration"), d);
    ck_assert (!json_object_has_member (body, "frames"));
    json_node_unref (node);
  }
}

END_TEST
START_TEST (test_frames_instead_of_duration)
{
  SeedanceRequestParams p = params_with_prompt ();
  JsonNode *node;
  JsonObject *body;

  p.duration = 0;
  p.frames = 121;
  body = build_ok (&p, &node);
  ck_assert_int_eq (json_object_get_int_member (body, "frames"), 121);
  ck_assert (!json_object_has_member (body, "duration"));
  json_node_unref (node);

  p = params_with_prompt ();
  p.duration = 5;
  p.frames = 121;
  refused (&p, "duration and frames:", "not both");

  p = params_with_prompt ();
  p.duration = 0;
  p.frames = -3;
  refused (&p, "frames:", "more than 0");
}

END_TEST
/* --- ratios and seeds --- */
START_TEST (test_ratios)
{
  const gchar *const good[] = { "16:9", "9:16", "1:1", NULL };
  const gchar *const bad[] = { "4:3", "21:9", "16/9", "", NULL };
  guint i;

  for (i = 0; good[i]; i++) {
    SeedanceRequestParams p = params_with_prompt ();
    JsonNode *node;
    JsonObject *body;

    p.ratio = good[i];
    body = build_ok (&p, &node);
    ck_assert_pstr_eq (json_object_get_string_member (body, "ratio"), good[i]);
    json_node_unref (node);
  }
  for (i = 0; bad[i]; i++) {
    SeedanceRequestParams p = params_with_prompt ();

    p.ratio = bad[i];
    refused (&p, "ratio:", "16:9, 9:16 or 1:1");
  }
}

END_TEST
START_TEST (test_seeds)
{
  const gint64 good[] = { 0, 1, 29545, G_MAXUINT32 };
  const gint64 bad[] = { -2, G_MININT64, (gint64) G_MAXUINT32 + 1 };
  SeedanceRequestParams p = params_with_prompt ();
  JsonNode *node;
  JsonObject *body;
  guint i;

  /* -1 is "random": the service's default, not sent. */
  p.seed = -1;
  body = build_ok (&p, &node);
  ck_assert (!json_object_has_member (body, "seed"));
  json_node_unref (node);

  for (i = 0; i < G_N_ELEMENTS (good); i++) {
    p = params_with_prompt ();
    p.seed = good[i];
    body = build_ok (&p, &node);
    ck_assert_int_eq (json_object_get_int_member (body, "seed"), good[i]);
    json_node_unref (node);
  }
  for (i = 0; i < G_N_ELEMENTS (bad); i++) {
    p = params_with_prompt ();
    p.seed = bad[i];
    refused (&p, "seed:", "-1 (random) or 0 to 4294967295");
  }
}

END_TEST
/* --- the optional fields --- */
START_TEST (test_optional_fields_when_set)
{
  SeedanceRequestParams p = params_with_prompt ();
  JsonNode *node;
  JsonObject *body;

  p.generate_audio = TRUE;
  p.watermark = TRUE;
  p.return_last_frame = TRUE;
  p.service_tier = "flex";
  p.execution_expires_after = 3600;
  p.priority = 9;
  p.callback_url = "https://hooks.example.com/seedance?x=1";
  p.safety_identifier = "user-42";
  body = build_ok (&p, &node);
  ck_assert (json_object_get_boolean_member (body, "generate_audio"));
  ck_assert (json_object_get_boolean_member (body, "watermark"));
  ck_assert (json_object_get_boolean_member (body, "return_last_frame"));
  ck_assert_pstr_eq (json_object_get_string_member (body, "service_tier"),
      "flex");
  ck_assert_int_eq (json_object_get_int_member (body,
          "execution_expires_after"), 3600);
  ck_assert_int_eq (json_object_get_int_member (body, "priority"), 9);
  ck_assert_pstr_eq (json_object_get_string_member (body, "callback_url"),
      "https://hooks.example.com/seedance?x=1");
  ck_assert_pstr_eq (json_object_get_string_member (body, "safety_identifier"),
      "user-42");
  json_node_unref (node);

  /* The other service tier, and the lowest priority (0 is sent, -1 is
   * not). */
  p = params_with_prompt ();
  p.service_tier = "default";
  p.priority = 0;
  body = build_ok (&p, &node);
  ck_assert_pstr_eq (json_object_get_string_member (body, "service_tier"),
      "default");
  ck_assert_int_eq (json_object_get_int_member (body, "priority"), 0);
  json_node_unref (node);
}

END_TEST
START_TEST (test_optional_fields_refused)
{
  SeedanceRequestParams p;
  gchar *long_id;

  p = params_with_prompt ();
  p.service_tier = "premium";
  refused (&p, "service-tier:", "\"default\" or \"flex\"");

  p = params_with_prompt ();
  p.execution_expires_after = -1;
  refused (&p, "execution-expires-after:", NULL);

  p = params_with_prompt ();
  p.priority = 10;
  refused (&p, "priority:", "0 to 9");
  p.priority = -2;
  refused (&p, "priority:", "0 to 9");

  p = params_with_prompt ();
  p.callback_url = "ftp://hooks.example.com/x";
  refused (&p, "callback-url:", "http:// or https://");
  p.callback_url = "not a url";
  refused (&p, "callback-url:", "http:// or https://");
  p.callback_url = "/relative/path";
  refused (&p, "callback-url:", "http:// or https://");

  /* 64 characters are accepted, 65 are not. */
  long_id = g_strnfill (SEEDANCE_MAX_SAFETY_IDENTIFIER, 'u');
  p = params_with_prompt ();
  p.safety_identifier = long_id;
  {
    JsonNode *node;
    JsonObject *body = build_ok (&p, &node);

    ck_assert_pstr_eq (json_object_get_string_member (body,
            "safety_identifier"), long_id);
    json_node_unref (node);
  }
  g_free (long_id);
  long_id = g_strnfill (SEEDANCE_MAX_SAFETY_IDENTIFIER + 1, 'u');
  p.safety_identifier = long_id;
  refused (&p, "safety-identifier:", "at most 64");
  g_free (long_id);
}

END_TEST
/* --- roles and counts of media items --- */
START_TEST (test_first_frame_and_last_frame)
{
  SeedanceRequestParams p = params_with_prompt ();
  JsonNode *node;
  JsonObject *body;

  p.first_frame = "https://e.com/first.png";
  body = build_ok (&p, &node);
  ck_assert_int_eq (json_array_get_length (content_of (body)), 2);
  assert_media_item (body, 1, "image_url", "https://e.com/first.png",
      "first_frame");
  json_node_unref (node);

  /* The text first, then the first frame, then the last. */
  p.last_frame = "asset://last-1";
  body = build_ok (&p, &node);
  ck_assert_int_eq (json_array_get_length (content_of (body)), 3);
  ck_assert_pstr_eq (json_object_get_string_member (item (body, 0), "type"),
      "text");
  assert_media_item (body, 1, "image_url", "https://e.com/first.png",
      "first_frame");
  assert_media_item (body, 2, "image_url", "asset://last-1", "last_frame");
  json_node_unref (node);

  p = params_with_prompt ();
  p.last_frame = "https://e.com/last.png";
  refused (&p, "last-frame:", "needs a first-frame");
}

END_TEST
START_TEST (test_reference_counts)
{
  const gchar *const ten[] = { "asset://1", "asset://2", "asset://3",
    "asset://4", "asset://5", "asset://6", "asset://7", "asset://8",
    "asset://9", "asset://10", NULL
  };
  const gchar *const *nine = ten + 1;
  const gchar *const four[] = { "https://e.com/1", "https://e.com/2",
    "https://e.com/3", "https://e.com/4", NULL
  };
  const gchar *const *three = four + 1;
  const gchar *const one_image[] = { "asset://i", NULL };
  SeedanceRequestParams p;
  JsonNode *node;
  JsonObject *body;
  guint i;

  p = params_with_prompt ();
  p.reference_images = nine;
  body = build_ok (&p, &node);
  ck_assert_int_eq (json_array_get_length (content_of (body)), 10);
  for (i = 0; i < 9; i++)
    assert_media_item (body, i + 1, "image_url", nine[i], "reference_image");
  json_node_unref (node);
  p.reference_images = ten;
  refused (&p, "reference-images:", "at most 9");

  p = params_with_prompt ();
  p.reference_videos = three;
  body = build_ok (&p, &node);
  for (i = 0; i < 3; i++)
    assert_media_item (body, i + 1, "video_url", three[i], "reference_video");
  json_node_unref (node);
  p.reference_videos = four;
  refused (&p, "reference-videos:", "at most 3");

  p = params_with_prompt ();
  p.reference_images = one_image;
  p.reference_audios = three;
  body = build_ok (&p, &node);
  assert_media_item (body, 1, "image_url", "asset://i", "reference_image");
  for (i = 0; i < 3; i++)
    assert_media_item (body, i + 2, "audio_url", three[i], "reference_audio");
  json_node_unref (node);
  p.reference_audios = four;
  refused (&p, "reference-audios:", "at most 3");
}

END_TEST
START_TEST (test_modes_are_exclusive)
{
  const gchar *const refs[] = { "asset://r", NULL };
  SeedanceRequestParams p;

  p = params_with_prompt ();
  p.first_frame = "https://e.com/f.png";
  p.reference_images = refs;
  refused (&p, "first-frame and reference-images", "separate modes");

  p = params_with_prompt ();
  p.first_frame = "https://e.com/f.png";
  p.reference_videos = refs;
  refused (&p, "first-frame and reference-images", "separate modes");

  p = params_with_prompt ();
  p.first_frame = "https://e.com/f.png";
  p.last_frame = "https://e.com/l.png";
  p.reference_audios = refs;
  refused (&p, "first-frame and reference-images", "separate modes");
}

END_TEST
/* The allowed material combinations: text; text (optional) + image, video,
 * image + audio, image + video, video + audio, image + video + audio.
 * Audio never comes alone or with text alone. */
START_TEST (test_material_combinations)
{
  const gchar *const image[] = { "asset://image", NULL };
  const gchar *const video[] = { "asset://video", NULL };
  const gchar *const audio[] = { "asset://audio", NULL };
  guint combo;

  for (combo = 0; combo < 16; combo++) {
    gboolean text = (combo & 1) != 0, has_image = (combo & 2) != 0;
    gboolean has_video = (combo & 4) != 0, has_audio = (combo & 8) != 0;
    SeedanceRequestParams p;

    seedance_request_params_init (&p);
    p.prompt = text ? "words" : NULL;
    p.reference_images = has_image ? image : NULL;
    p.reference_videos = has_video ? video : NULL;
    p.reference_audios = has_audio ? audio : NULL;
    if (has_audio && !has_image && !has_video) {
      refused (&p, "reference-audios:", "needs a reference image or a "
          "reference video");
    } else if (!text && !has_image && !has_video) {
      refused (&p, "prompt:", "nothing to generate from");
    } else {
      JsonNode *node;
      JsonObject *body = build_ok (&p, &node);

      ck_assert_int_eq (json_array_get_length (content_of (body)),
          text + has_image + has_video + has_audio);
      json_node_unref (node);
    }
  }

  /* A first frame needs no text either. */
  {
    SeedanceRequestParams p;
    JsonNode *node;
    JsonObject *body;

    seedance_request_params_init (&p);
    p.first_frame = "asset://f";
    body = build_ok (&p, &node);
    ck_assert_int_eq (json_array_get_length (content_of (body)), 1);
    assert_media_item (body, 0, "image_url", "asset://f", "first_frame");
    json_node_unref (node);
  }
}

END_TEST
START_TEST (test_draft_task_stands_alone)
{
  const gchar *const refs[] = { "asset://r", NULL };
  SeedanceRequestParams p;
  JsonNode *node;
  JsonObject *body, *it;

  seedance_request_params_init (&p);
  p.draft_task_id = "cgt-20260518175249-draft";
  body = build_ok (&p, &node);
  ck_assert_int_eq (json_array_get_length (content_of (body)), 1);
  it = item (body, 0);
  ck_assert_pstr_eq (json_object_get_string_member (it, "type"), "draft_task");
  ck_assert_pstr_eq (json_object_get_string_member
      (json_object_get_object_member (it, "draft_task"), "id"),
      "cgt-20260518175249-draft");
  ck_assert (!json_object_has_member (it, "role"));
  json_node_unref (node);

  p.prompt = "and a prompt";
  refused (&p, "draft-task-id:", "stands alone");
  p.prompt = NULL;
  p.first_frame = "asset://f";
  refused (&p, "draft-task-id:", "stands alone");
  p.first_frame = NULL;
  p.reference_images = refs;
  refused (&p, "draft-task-id:", "stands alone");
  p.reference_images = NULL;
  p.reference_videos = refs;
  refused (&p, "draft-task-id:", "stands alone");
}

END_TEST
START_TEST (test_nothing_to_generate_from)
{
  SeedanceRequestParams p;

  seedance_request_params_init (&p);
  refused (&p, "prompt:", "nothing to generate from");
  p.prompt = "";
  refused (&p, "prompt:", "nothing to generate from");
}

END_TEST
/* --- media references --- */
START_TEST (test_references_passed_as_they_are)
{
  const gchar *const images[] = { "https://e.com/a.png?sig=1&x=2",
    "http://e.com/b.jpg", "asset://asset-123",
    "data:image/png;base64,iVBORw0KGgo=", NULL
  };
  const gchar *const videos[] = { "https://e.com/v.mp4", "asset://v", NULL };
  const gchar *const audios[] = { "data:audio/wav;base64,UklGRg==", NULL };
  SeedanceRequestParams p = params_with_prompt ();
  JsonNode *node;
  JsonObject *body;
  guint i;

  p.reference_images = images;
  p.reference_videos = videos;
  p.reference_audios = audios;
  body = build_ok (&p, &node);
  for (i = 0; i < 4; i++)
    assert_media_item (body, 1 + i, "image_url", images[i], "reference_image");
  assert_media_item (body, 5, "video_url", videos[0], "reference_video");
  assert_media_item (body, 6, "video_url", videos[1], "reference_video");
  assert_media_item (body, 7, "audio_url", audios[0], "reference_audio");
  json_node_unref (node);
}

END_TEST
START_TEST (test_bad_references)
{
  const gchar *const empty[] = { "asset://ok", "", NULL };
  const gchar *const video_data[] = { "data:video/mp4;base64,AAAA", NULL };
  const gchar *const wrong_data[] = { "data:audio/wav;base64,AAAA", NULL };
  const gchar *const not_base64[] = { "data:image/png,rawbytes", NULL };
  const gchar *const ftp[] = { "ftp://e.com/a.png", NULL };
  SeedanceRequestParams p;

  p = params_with_prompt ();
  p.reference_images = empty;
  refused (&p, "reference-images:", "an empty media reference");

  p = params_with_prompt ();
  p.reference_videos = video_data;
  refused (&p, "reference-videos:", "not as a data: URI");

  p = params_with_prompt ();
  p.reference_images = wrong_data;
  refused (&p, "reference-images:", "data:image/<format>;base64,<data>");

  p = params_with_prompt ();
  p.first_frame = not_base64[0];
  refused (&p, "first-frame:", "data:image/<format>;base64,<data>");

  /* (Known only when resolving, as local files are.) */
  p = params_with_prompt ();
  p.reference_images = ftp;
  build_refused (&p, SEEDANCE_REQUEST_ERROR_SETTINGS, "reference-images:",
      "\"ftp:\" references are not supported");
}

END_TEST static gchar *
data_uri_payload (const gchar * uri, const gchar * want_type)
{
  gchar *prefix = g_strdup_printf ("data:%s;base64,", want_type);
  gchar *payload;

  if (!g_str_has_prefix (uri, prefix))
    g_error ("\"%.60s\" is not a %s data URI", uri, want_type);
  payload = g_strdup (uri + strlen (prefix));
  g_free (prefix);
  return payload;
}

static void
assert_data_uri_of (const gchar * uri, const gchar * type_prefix,
    const guint8 * data, gsize len)
{
  const gchar *semi = strchr (uri, ';');
  gchar *type, *payload;
  guchar *decoded;
  gsize decoded_len;

  ck_assert_ptr_nonnull (semi);
  type = g_strndup (uri + 5, semi - uri - 5);
  if (!g_str_has_prefix (type, type_prefix))
    g_error ("type %s, not %s...", type, type_prefix);
  payload = data_uri_payload (uri, type);
  decoded = g_base64_decode (payload, &decoded_len);
  ck_assert_uint_eq (decoded_len, len);
  ck_assert_mem_eq (decoded, data, len);
  g_free (decoded);
  g_free (payload);
  g_free (type);
}

START_TEST (test_local_files_become_data_uris)
{
  /* Names that lie: the type comes from the bytes. */
  gchar *png = scratch_file ("picture.mp3", png_1x1, sizeof (png_1x1));
  gchar *wav = scratch_file ("sound.png", wav_header, sizeof (wav_header));
  gchar *png_uri = g_filename_to_uri (png, NULL, NULL);
  const gchar *images[] = { png, NULL };
  const gchar *audios[] = { wav, NULL };
  SeedanceRequestParams p;
  JsonNode *node;
  JsonObject *body;

  p = params_with_prompt ();
  p.reference_images = images;
  p.reference_audios = audios;
  body = build_ok (&p, &node);
  assert_data_uri_of (json_object_get_string_member
      (json_object_get_object_member (item (body, 1), "image_url"), "url"),
      "image/png", png_1x1, sizeof (png_1x1));
  assert_data_uri_of (json_object_get_string_member
      (json_object_get_object_member (item (body, 2), "audio_url"), "url"),
      "audio/", wav_header, sizeof (wav_header));
  json_node_unref (node);

  /* A file:// URI is a local file too. */
  p = params_with_prompt ();
  p.first_frame = png_uri;
  body = build_ok (&p, &node);
  assert_data_uri_of (json_object_get_string_member
      (json_object_get_object_member (item (body, 1), "image_url"), "url"),
      "image/png", png_1x1, sizeof (png_1x1));
  json_node_unref (node);

  g_free (png_uri);
  g_free (png);
  g_free (wav);
}

END_TEST
START_TEST (test_local_files_refused)
{
  gchar *text = scratch_file ("notes.png", "just some words\n", 16);
  gchar *png = scratch_file ("still.wav", png_1x1, sizeof (png_1x1));
  gchar *missing = g_build_filename (scratch_dir, "absent.png", NULL);
  gchar *big = g_build_filename (scratch_dir, "big.png", NULL);
  const gchar *videos[] = { png, NULL };
  const gchar *audios[] = { png, NULL };
  const gchar *images[] = { "asset://i", NULL };
  SeedanceRequestParams p;
  GError *err = NULL;
  FILE *f;

  p = params_with_prompt ();
  p.first_frame = text;
  build_refused (&p, SEEDANCE_REQUEST_ERROR_SETTINGS, "first-frame:",
      "is not an image file");

  p = params_with_prompt ();
  p.reference_images = images;
  p.reference_audios = audios;
  build_refused (&p, SEEDANCE_REQUEST_ERROR_SETTINGS, "reference-audios:",
      "is not an audio file");

  /* A video is never read from a local file. */
  p = params_with_prompt ();
  p.reference_videos = videos;
  build_refused (&p, SEEDANCE_REQUEST_ERROR_SETTINGS, "reference-videos:",
      "is a local file");

  /* Validation touches no file; building reads it. */
  p = params_with_prompt ();
  p.first_frame = missing;
  ck_assert (seedance_request_validate (&p, &err));
  ck_assert_msg (err == NULL, "%s", err->message);
  build_refused (&p, SEEDANCE_REQUEST_ERROR_NOT_FOUND, "first-frame:",
      "absent.png");

  /* A directory cannot be read as a file. */
  p = params_with_prompt ();
  p.first_frame = scratch_dir;
  build_refused (&p, SEEDANCE_REQUEST_ERROR_READ, "first-frame:", NULL);

  /* Past the size limit (a sparse file). */
  f = g_fopen (big, "wb");
  ck_assert_ptr_nonnull (f);
  ck_assert_int_eq (fseek (f, SEEDANCE_MAX_LOCAL_MEDIA, SEEK_SET), 0);
  ck_assert_int_eq (fputc (0, f), 0);
  fclose (f);
  p = params_with_prompt ();
  p.first_frame = big;
  build_refused (&p, SEEDANCE_REQUEST_ERROR_SETTINGS, "first-frame:",
      "larger than 30 MiB");

  g_unlink (big);
  g_free (big);
  g_free (missing);
  g_free (png);
  g_free (text);
}

END_TEST
/* --- the answers: a task object --- */
static const gchar full_task[] =
    "{\"id\": \"cgt-20260518175249-8x55h\", "
    "\"model\": \"doubao-seedance-2-0-260128\", "
    "\"status\": \"succeeded\", \"error\": null, "
    "\"created_at\": 1778756838, \"updated_at\": 1778757081, "
    "\"content\": {\"video_url\": \"https://cdn.example.com/v.mp4?s=1\", "
    "\"last_frame_url\": \"https://cdn.example.com/last.png?s=1\"}, "
    "\"seed\": 29545, \"resolution\": \"720p\", \"ratio\": \"16:9\", "
    "\"duration\": 5, \"framespersecond\": 24, \"generate_audio\": true, "
    "\"service_tier\": \"default\", \"execution_expires_after\": 172800, "
    "\"usage\": {\"completion_tokens\": 173700, \"total_tokens\": 173701}, "
    "\"a_field_from_the_future\": {\"nested\": [1, 2, {\"x\": null}]}}";

static SeedanceTask *
parse_ok (const gchar * json)
{
  GError *err = NULL;
  SeedanceTask *task = seedance_task_parse (json, strlen (json), &err);

  ck_assert_msg (err == NULL, "%s", err->message);
  ck_assert_ptr_nonnull (task);
  return task;
}

static void
parse_refused (const gchar * json, gsize len, const gchar * why)
{
  GError *err = NULL;
  SeedanceTask *task = seedance_task_parse (json, len, &err);
  gchar *id;

  ck_assert_ptr_null (task);
  ck_assert_msg (g_error_matches (err, SEEDANCE_ANSWER_ERROR,
          SEEDANCE_ANSWER_ERROR_INVALID), "%s",
      err ? err->message : "no error");
  if (why && strstr (err->message, why) == NULL)
    g_error ("\"%s\" does not contain \"%s\"", err->message, why);
  g_clear_error (&err);
  /* Nor is it a create answer. */
  id = seedance_task_parse_id (json, len, &err);
  ck_assert_ptr_null (id);
  ck_assert_msg (g_error_matches (err, SEEDANCE_ANSWER_ERROR,
          SEEDANCE_ANSWER_ERROR_INVALID), "%s",
      err ? err->message : "no error");
  g_clear_error (&err);
}

START_TEST (test_task_every_field)
{
  SeedanceTask *task = parse_ok (full_task);

  ck_assert_pstr_eq (task->json, full_task);
  ck_assert_pstr_eq (task->id, "cgt-20260518175249-8x55h");
  ck_assert_pstr_eq (task->model, "doubao-seedance-2-0-260128");
  ck_assert_pstr_eq (task->status_str, "succeeded");
  ck_assert_int_eq (task->status, SEEDANCE_STATUS_SUCCEEDED);
  ck_assert_ptr_null (task->error_code);
  ck_assert_ptr_null (task->error_message);
  ck_assert_int_eq (task->created_at, 1778756838);
  ck_assert_int_eq (task->updated_at, 1778757081);
  ck_assert_pstr_eq (task->video_url, "https://cdn.example.com/v.mp4?s=1");
  ck_assert_pstr_eq (task->last_frame_url,
      "https://cdn.example.com/last.png?s=1");
  ck_assert_int_eq (task->seed, 29545);
  ck_assert_pstr_eq (task->resolution, "720p");
  ck_assert_pstr_eq (task->ratio, "16:9");
  ck_assert_int_eq (task->duration, 5);
  ck_assert_int_eq (task->frames, 0);
  ck_assert_int_eq (task->framespersecond, 24);
  ck_assert (task->generate_audio);
  ck_assert_pstr_eq (task->service_tier, "default");
  ck_assert_int_eq (task->execution_expires_after, 172800);
  ck_assert_int_eq (task->completion_tokens, 173700);
  ck_assert_int_eq (task->total_tokens, 173701);
  seedance_task_free (task);
}

END_TEST
START_TEST (test_task_defaults_when_absent)
{
  SeedanceTask *task = parse_ok ("{\"status\": \"queued\"}");

  ck_assert_int_eq (task->status, SEEDANCE_STATUS_QUEUED);
  ck_assert_ptr_null (task->id);
  ck_assert_ptr_null (task->model);
  ck_assert_ptr_null (task->error_code);
  ck_assert_ptr_null (task->video_url);
  ck_assert_ptr_null (task->last_frame_url);
  ck_assert_ptr_null (task->resolution);
  ck_assert_ptr_null (task->ratio);
  ck_assert_ptr_null (task->service_tier);
  ck_assert_int_eq (task->created_at, 0);
  ck_assert_int_eq (task->seed, -1);
  ck_assert_int_eq (task->duration, 0);
  ck_assert_int_eq (task->frames, 0);
  ck_assert_int_eq (task->framespersecond, 0);
  ck_assert (!task->generate_audio);
  ck_assert_int_eq (task->execution_expires_after, 0);
  ck_assert_int_eq (task->completion_tokens, -1);
  ck_assert_int_eq (task->total_tokens, -1);
  seedance_task_free (task);
}

END_TEST
START_TEST (test_task_statuses)
{
  const struct
  {
    const gchar *name;
    SeedanceStatus status;
    gboolean final;
  } statuses[] = {
    {"queued", SEEDANCE_STATUS_QUEUED, FALSE},
    {"running", SEEDANCE_STATUS_RUNNING, FALSE},
    {"succeeded", SEEDANCE_STATUS_SUCCEEDED, TRUE},
    {"failed", SEEDANCE_STATUS_FAILED, TRUE},
    {"expired", SEEDANCE_STATUS_EXPIRED, TRUE},
    {"cancelled", SEEDANCE_STATUS_CANCELLED, TRUE},
    /* Unknown (or differently spelled) ones are not final: polling goes
     * on. */
    {"paused", SEEDANCE_STATUS_UNKNOWN, FALSE},
    {"Succeeded", SEEDANCE_STATUS_UNKNOWN, FALSE},
    {"", SEEDANCE_STATUS_UNKNOWN, FALSE},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (statuses); i++) {
    gchar *json = g_strdup_printf ("{\"id\": \"t\", \"status\": \"%s\"}",
        statuses[i].name);
    SeedanceTask *task = parse_ok (json);

    ck_assert_int_eq (task->status, statuses[i].status);
    ck_assert_pstr_eq (task->status_str, statuses[i].name);
    ck_assert_int_eq (seedance_status_is_final (task->status),
        statuses[i].final);
    ck_assert_int_eq (seedance_status_from_string (statuses[i].name),
        statuses[i].status);
    seedance_task_free (task);
    g_free (json);
  }
  ck_assert_int_eq (seedance_status_from_string (NULL),
      SEEDANCE_STATUS_UNKNOWN);
}

END_TEST
START_TEST (test_task_failed_with_error)
{
  SeedanceTask *task = parse_ok ("{\"id\": \"t\", \"status\": \"failed\", "
      "\"error\": {\"code\": \"OutputVideoSensitiveContentDetected\", "
      "\"message\": \"The output video may contain sensitive content.\"}}");

  ck_assert_int_eq (task->status, SEEDANCE_STATUS_FAILED);
  ck_assert_pstr_eq (task->error_code, "OutputVideoSensitiveContentDetected");
  ck_assert_pstr_eq (task->error_message,
      "The output video may contain sensitive content.");
  seedance_task_free (task);

  /* Every field of the error is optional. */
  task = parse_ok ("{\"status\": \"failed\", \"error\": {}}");
  ck_assert_ptr_null (task->error_code);
  ck_assert_ptr_null (task->error_message);
  seedance_task_free (task);
}

END_TEST
START_TEST (test_task_wrong_types_read_as_absent)
{
  SeedanceTask *task = parse_ok ("{\"id\": 7, \"model\": [\"m\"], "
      "\"status\": \"running\", \"error\": \"boom\", \"created_at\": \"x\", "
      "\"content\": \"x\", \"seed\": \"29545\", \"resolution\": 720, "
      "\"ratio\": null, \"duration\": true, \"frames\": {}, "
      "\"generate_audio\": \"yes\", \"service_tier\": false, "
      "\"execution_expires_after\": 1e300, \"usage\": [1, 2]}");

  ck_assert_int_eq (task->status, SEEDANCE_STATUS_RUNNING);
  ck_assert_ptr_null (task->id);
  ck_assert_ptr_null (task->model);
  ck_assert_ptr_null (task->error_code);
  ck_assert_ptr_null (task->error_message);
  ck_assert_int_eq (task->created_at, 0);
  ck_assert_ptr_null (task->video_url);
  ck_assert_int_eq (task->seed, -1);
  ck_assert_ptr_null (task->resolution);
  ck_assert_ptr_null (task->ratio);
  ck_assert_int_eq (task->duration, 0);
  ck_assert_int_eq (task->frames, 0);
  ck_assert (!task->generate_audio);
  ck_assert_ptr_null (task->service_tier);
  /* Out of range for an integer: absent, not undefined behaviour. */
  ck_assert_int_eq (task->execution_expires_after, 0);
  ck_assert_int_eq (task->completion_tokens, -1);
  seedance_task_free (task);

  /* Numbers written as decimals are read. */
  task = parse_ok ("{\"status\": \"succeeded\", \"duration\": 5.0, "
      "\"seed\": 12.0, \"content\": {\"video_url\": 3}}");
  ck_assert_int_eq (task->duration, 5);
  ck_assert_int_eq (task->seed, 12);
  ck_assert_ptr_null (task->video_url);
  seedance_task_free (task);
}

END_TEST
START_TEST (test_task_without_status_refused)
{
  const gchar *const bodies[] = { "{}", "{\"id\": \"t\"}",
    "{\"status\": 7}", "{\"status\": null}", "{\"status\": {\"s\": 1}}",
    NULL
  };
  guint i;

  for (i = 0; bodies[i]; i++) {
    GError *err = NULL;
    SeedanceTask *task = seedance_task_parse (bodies[i], strlen (bodies[i]),
        &err);

    ck_assert_ptr_null (task);
    ck_assert_msg (g_error_matches (err, SEEDANCE_ANSWER_ERROR,
            SEEDANCE_ANSWER_ERROR_INVALID), "%s",
        err ? err->message : "no error");
    ck_assert_ptr_nonnull (strstr (err->message, "\"status\""));
    g_clear_error (&err);
  }
}

END_TEST
START_TEST (test_non_json_answers_refused)
{
  const gchar html[] = "<html><body><h1>502 Bad Gateway</h1></body></html>";
  const gchar truncated[] = "{\"id\": \"t\", \"status\": \"queu";

  const gchar array[] = "[{\"status\": \"queued\"}]";

  parse_refused (NULL, 0, "empty");
  parse_refused ("", 0, "empty");
  parse_refused (html, strlen (html), "not JSON");
  parse_refused (truncated, strlen (truncated), "not JSON");
  parse_refused (array, strlen (array), "not a JSON object");
  parse_refused ("null", 4, "not a JSON object");
  parse_refused ("\"queued\"", 8, "not a JSON object");
  /* Only `len` bytes count. */
  parse_refused ("{\"status\": \"queued\"}", 5, "not JSON");
}

END_TEST
/* `depth` nested arrays inside the root object. */
static gchar *
nested (guint depth)
{
  GString *s = g_string_new ("{\"status\": \"queued\", \"deep\": ");
  guint i;

  for (i = 0; i < depth; i++)
    g_string_append_c (s, '[');
  for (i = 0; i < depth; i++)
    g_string_append_c (s, ']');
  g_string_append_c (s, '}');
  return g_string_free (s, FALSE);
}

START_TEST (test_depth_guard)
{
  /* The root object is one level. */
  gchar *deepest_ok = nested (SEEDANCE_JSON_MAX_DEPTH - 1);
  gchar *too_deep = nested (SEEDANCE_JSON_MAX_DEPTH);
  gchar *hostile = nested (1000000);
  /* Brackets inside strings do not nest, escaped quotes included. */
  gchar *fill = g_strnfill (5000, '[');
  gchar *in_string = g_strdup_printf ("{\"status\": \"queued\", "
      "\"x\": \"\\\"%s\"}", fill);
  SeedanceTask *task;
  SeedanceServiceError *se;

  task = parse_ok (deepest_ok);
  seedance_task_free (task);
  parse_refused (too_deep, strlen (too_deep), "nested too deeply");
  parse_refused (hostile, strlen (hostile), "nested too deeply");
  se = seedance_service_error_parse (500, hostile, strlen (hostile));
  ck_assert_uint_eq (se->http_status, 500);
  ck_assert_ptr_null (se->code);
  seedance_service_error_free (se);

  task = parse_ok (in_string);
  ck_assert_int_eq (task->status, SEEDANCE_STATUS_QUEUED);
  seedance_task_free (task);

  g_free (in_string);
  g_free (fill);
  g_free (hostile);
  g_free (too_deep);
  g_free (deepest_ok);
}

END_TEST
/* --- the answers: a create answer --- */
START_TEST (test_create_answer)
{
  const gchar ok[] = "{\"id\": \"cgt-20260518175249-8x55h\", \"extra\": 1}";
  const gchar *const bad[] = { "{}", "{\"id\": \"\"}", "{\"id\": 5}",
    "{\"id\": null}", "{\"id\": [\"cgt-1\"]}", "{\"task\": {\"id\": \"x\"}}",
    "<html>", "", NULL
  };
  GError *err = NULL;
  gchar *id;
  guint i;

  id = seedance_task_parse_id (ok, strlen (ok), &err);
  ck_assert_msg (err == NULL, "%s", err->message);
  ck_assert_pstr_eq (id, "cgt-20260518175249-8x55h");
  g_free (id);

  for (i = 0; bad[i]; i++) {
    id = seedance_task_parse_id (bad[i], strlen (bad[i]), &err);
    ck_assert_ptr_null (id);
    ck_assert_msg (g_error_matches (err, SEEDANCE_ANSWER_ERROR,
            SEEDANCE_ANSWER_ERROR_INVALID), "%s",
        err ? err->message : "no error");
    g_clear_error (&err);
  }
}

END_TEST
/* --- the answers: an error answer --- */
START_TEST (test_service_error_ark_form)
{
  const gchar body[] = "{\"error\": {\"code\": \"InvalidParameter\", "
      "\"message\": \"The parameter `ratio` is invalid.\", "
      "\"param\": \"ratio\", \"type\": \"BadRequest\"}, \"request_id\": 1}";
  SeedanceServiceError *se =
      seedance_service_error_parse (400, body, strlen (body));

  ck_assert_uint_eq (se->http_status, 400);
  ck_assert_pstr_eq (se->code, "InvalidParameter");
  ck_assert_pstr_eq (se->message, "The parameter `ratio` is invalid.");
  ck_assert_pstr_eq (se->param, "ratio");
  ck_assert_pstr_eq (se->type, "BadRequest");
  seedance_service_error_free (se);
}

END_TEST
START_TEST (test_service_error_other_forms)
{
  const gchar top[] = "{\"code\": \"RateLimitExceeded.EndpointRPM\", "
      "\"message\": \"slow down\"}";
  const gchar partial[] = "{\"error\": {\"message\": \"only a message\", "
      "\"code\": 429, \"param\": null}}";
  const gchar *const opaque[] = { "", "<html>502</html>", "{\"error\": ",
    "[1, 2]", "{\"error\": \"a string\"}", NULL
  };
  SeedanceServiceError *se;
  guint i;

  se = seedance_service_error_parse (429, top, strlen (top));
  ck_assert_uint_eq (se->http_status, 429);
  ck_assert_pstr_eq (se->code, "RateLimitExceeded.EndpointRPM");
  ck_assert_pstr_eq (se->message, "slow down");
  ck_assert_ptr_null (se->param);
  ck_assert_ptr_null (se->type);
  seedance_service_error_free (se);

  se = seedance_service_error_parse (429, partial, strlen (partial));
  ck_assert_ptr_null (se->code);
  ck_assert_pstr_eq (se->message, "only a message");
  ck_assert_ptr_null (se->param);
  seedance_service_error_free (se);

  /* Whatever the body, the status is known and nothing else is made up. */
  for (i = 0; opaque[i]; i++) {
    se = seedance_service_error_parse (502, opaque[i], strlen (opaque[i]));
    ck_assert_ptr_nonnull (se);
    ck_assert_uint_eq (se->http_status, 502);
    ck_assert_ptr_null (se->code);
    ck_assert_ptr_null (se->message);
    ck_assert_ptr_null (se->param);
    ck_assert_ptr_null (se->type);
    seedance_service_error_free (se);
  }
  se = seedance_service_error_parse (503, NULL, 0);
  ck_assert_uint_eq (se->http_status, 503);
  ck_assert_ptr_null (se->message);
  seedance_service_error_free (se);
}

END_TEST static void
remove_scratch (void)
{
  GDir *d = g_dir_open (scratch_dir, 0, NULL);
  const gchar *name;

  while (d && (name = g_dir_read_name (d))) {
    gchar *path = g_build_filename (scratch_dir, name, NULL);

    g_unlink (path);
    g_free (path);
  }
  if (d)
    g_dir_close (d);
  g_rmdir (scratch_dir);
  g_free (scratch_dir);
}

static Suite *
rules_suite (void)
{
  Suite *s = suite_create ("request-rules");
  TCase *request = tcase_create ("request");
  TCase *answer = tcase_create ("answer");

  suite_add_tcase (s, request);
  tcase_add_test (request, test_defaults);
  tcase_add_test (request, test_models_and_resolutions);
  tcase_add_test (request, test_bad_model_and_resolution);
  tcase_add_test (request, test_duration_range);
  tcase_add_test (request, test_frames_instead_of_duration);
  tcase_add_test (request, test_ratios);
  tcase_add_test (request, test_seeds);
  tcase_add_test (request, test_optional_fields_when_set);
  tcase_add_test (request, test_optional_fields_refused);
  tcase_add_test (request, test_first_frame_and_last_frame);
  tcase_add_test (request, test_reference_counts);
  tcase_add_test (request, test_modes_are_exclusive);
  tcase_add_test (request, test_material_combinations);
  tcase_add_test (request, test_draft_task_stands_alone);
  tcase_add_test (request, test_nothing_to_generate_from);
  tcase_add_test (request, test_references_passed_as_they_are);
  tcase_add_test (request, test_bad_references);
  tcase_add_test (request, test_local_files_become_data_uris);
  tcase_add_test (request, test_local_files_refused);

  suite_add_tcase (s, answer);
  tcase_add_test (answer, test_task_every_field);
  tcase_add_test (answer, test_task_defaults_when_absent);
  tcase_add_test (answer, test_task_statuses);
  tcase_add_test (answer, test_task_failed_with_error);
  tcase_add_test (answer, test_task_wrong_types_read_as_absent);
  tcase_add_test (answer, test_task_without_status_refused);
  tcase_add_test (answer, test_non_json_answers_refused);
  tcase_add_test (answer, test_depth_guard);
  tcase_add_test (answer, test_create_answer);
  tcase_add_test (answer, test_service_error_ark_form);
  tcase_add_test (answer, test_service_error_other_forms);
  return s;
}

int
main (int argc, char **argv)
{
  SRunner *sr;
  int failed;

  scratch_dir = g_dir_make_tmp ("seedance-rules-XXXXXX", NULL);
  if (scratch_dir == NULL)
    return 1;
  /* As GTest and GStreamer's check framework did: a GLib warning or
   * critical fails the test. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_WARNING |
      G_LOG_LEVEL_CRITICAL);
  sr = srunner_create (rules_suite ());
  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  remove_scratch ();
  return failed == 0 ? 0 : 1;
}
