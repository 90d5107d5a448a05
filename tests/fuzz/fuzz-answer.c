/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 The gst-seedance developers */
/* libFuzzer target for everything that reads the service's answers: a task
 * object, a create answer, an error answer.  None may crash, hang or leak,
 * whatever the bytes. */
#include <stddef.h>
#include <stdint.h>

#include "task.h"

int LLVMFuzzerTestOneInput (const uint8_t * data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  SeedanceTask *task;
  SeedanceServiceError *se;
  gchar *id;

  task = seedance_task_parse ((const gchar *) data, size, NULL);
  if (task) {
    /* Touch what a caller reads. */
    (void) seedance_status_is_final (task->status);
    seedance_task_free (task);
  }
  id = seedance_task_parse_id ((const gchar *) data, size, NULL);
  g_free (id);
  se = seedance_service_error_parse (429, (const gchar *) data, size);
  seedance_service_error_free (se);
  return 0;
}
