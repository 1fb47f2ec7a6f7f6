/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Prints what the C compiler makes of panama_shm.h: every constant, struct size and field offset,
 * and the layout hash, one "kind name value" line each, for RingLayoutTest to compare with
 * io.github.panamashm.ring.RingLayout.
 */
#include "panama_shm.h"

#include <stdio.h>

#define CONSTANT(name) printf("const %s %lld\n", #name, (long long)(name))
#define STRUCT(type) printf("sizeof %s %zu\n", #type, sizeof(type))
#define FIELD(type, field) printf("offsetof %s.%s %zu\nsizeof %s.%s %zu\n", #type, #field, offsetof(type, field), \
                                  #type, #field, sizeof(((type *)0)->field))

int main(void) {
    CONSTANT(PSHM_MAGIC); CONSTANT(PSHM_VERSION_MAJOR); CONSTANT(PSHM_VERSION_MINOR);
    CONSTANT(PSHM_LINE); CONSTANT(PSHM_SLOT_HEADER_SIZE); CONSTANT(PSHM_SLOT_ALIGN); CONSTANT(PSHM_PEER_SIZE);
    CONSTANT(PSHM_PEERS_OFFSET); CONSTANT(PSHM_DEFAULT_MAX_PEERS); CONSTANT(PSHM_MAX_PEERS);
    CONSTANT(PSHM_MAX_SLOTS); CONSTANT(PSHM_MAX_PAYLOAD); CONSTANT(PSHM_MAX_NAME);
    CONSTANT(PSHM_FLAG_SINGLE_PRODUCER); CONSTANT(PSHM_FLAG_SINGLE_CONSUMER); CONSTANT(PSHM_KNOWN_FLAGS);
    CONSTANT(PSHM_REQUIRED_FLAGS_MASK); CONSTANT(PSHM_BELL_NONE); CONSTANT(PSHM_BELL_DATA); CONSTANT(PSHM_BELL_SPACE);
    CONSTANT(PSHM_STATE_INITIALISING); CONSTANT(PSHM_STATE_READY); CONSTANT(PSHM_STATE_CLOSED);
    CONSTANT(PSHM_ROLE_NONE); CONSTANT(PSHM_ROLE_PRODUCER); CONSTANT(PSHM_ROLE_CONSUMER);
    CONSTANT(PSHM_PEER_FREE); CONSTANT(PSHM_PEER_ACTIVE);
    CONSTANT(PSHM_LANGUAGE_C); CONSTANT(PSHM_LANGUAGE_JAVA);
    CONSTANT(PSHM_SLOT_SKIP); CONSTANT(PSHM_INTENT_OPEN_END);
    printf("const PSHM_LAYOUT_HASH %lld\n", (long long)pshm_layout_hash());
    CONSTANT(PSHM_CREATOR_LOCK_OFFSET);
    CONSTANT(PSHM_ABANDONED_AFTER_NS);
    CONSTANT(PSHM_STUCK_NS); CONSTANT(PSHM_STUCK_SLICE_NS); CONSTANT(PSHM_SLEEP_SLICE_NS); CONSTANT(PSHM_UNFENCED_SLICE_NS);
    CONSTANT(PSHM_CHECK_EVERY); CONSTANT(PSHM_CHECK_INTERVAL_NS); CONSTANT(PSHM_DEFAULT_SPIN_NS);
    CONSTANT(PSHM_WAIT_STANDARD); CONSTANT(PSHM_WAIT_SPIN); CONSTANT(PSHM_WAIT_SLEEP);
    CONSTANT(PSHM_FLAG_TYPED); CONSTANT(PSHM_FLAG_FANOUT); CONSTANT(PSHM_FANOUT_BLOCK); CONSTANT(PSHM_FANOUT_OVERWRITE); CONSTANT(PSHM_TYPE_MAGIC); CONSTANT(PSHM_TYPE_HEADER_SIZE); CONSTANT(PSHM_TYPE_FIELD_SIZE);
    CONSTANT(PSHM_TYPE_NAME_SIZE); CONSTANT(PSHM_FIELD_NAME_SIZE); CONSTANT(PSHM_MAX_FIELDS); CONSTANT(PSHM_MAX_TYPE_ALIGN);
    CONSTANT(PSHM_KIND_INT); CONSTANT(PSHM_KIND_UINT); CONSTANT(PSHM_KIND_FLOAT); CONSTANT(PSHM_KIND_BYTES);

    STRUCT(pshm_identity);
    FIELD(pshm_identity, magic); FIELD(pshm_identity, version_major); FIELD(pshm_identity, version_minor);
    FIELD(pshm_identity, header_size); FIELD(pshm_identity, slot_count); FIELD(pshm_identity, slot_size);
    FIELD(pshm_identity, max_payload); FIELD(pshm_identity, flags); FIELD(pshm_identity, total_size);
    FIELD(pshm_identity, layout_hash); FIELD(pshm_identity, creation_time_ns); FIELD(pshm_identity, creator_pid);
    FIELD(pshm_identity, max_peers); FIELD(pshm_identity, state); FIELD(pshm_identity, role_locks);
    FIELD(pshm_identity, type_size); FIELD(pshm_identity, fanout_mode); FIELD(pshm_identity, reserved);

    STRUCT(pshm_counters);
    FIELD(pshm_counters, abandoned_by_producers); FIELD(pshm_counters, lost_in_consumers);
    FIELD(pshm_counters, data_posts); FIELD(pshm_counters, space_posts); FIELD(pshm_counters, peers_reclaimed);
    FIELD(pshm_counters, corrupt_slots); FIELD(pshm_counters, fanout_dropped); FIELD(pshm_counters, fanout_overwritten);
    FIELD(pshm_counters, reserved);

    STRUCT(pshm_header);
    FIELD(pshm_header, identity); FIELD(pshm_header, tail); FIELD(pshm_header, head); FIELD(pshm_header, released);
    FIELD(pshm_header, consumers_waiting); FIELD(pshm_header, producers_waiting); FIELD(pshm_header, fenced_sleepers); FIELD(pshm_header, data_epoch); FIELD(pshm_header, counters);

    STRUCT(pshm_peer);
    FIELD(pshm_peer, state); FIELD(pshm_peer, role); FIELD(pshm_peer, pid); FIELD(pshm_peer, language);
    FIELD(pshm_peer, attach_time_ns); FIELD(pshm_peer, claim_start); FIELD(pshm_peer, claim_end);
    FIELD(pshm_peer, messages); FIELD(pshm_peer, waiting_on); FIELD(pshm_peer, fenced_sleeper); FIELD(pshm_peer, pid_ns);

    STRUCT(pshm_type_area);
    FIELD(pshm_type_area, magic); FIELD(pshm_type_area, area_size); FIELD(pshm_type_area, field_count);
    FIELD(pshm_type_area, struct_size); FIELD(pshm_type_area, struct_align); FIELD(pshm_type_area, type_hash);
    FIELD(pshm_type_area, name);

    STRUCT(pshm_type_field);
    FIELD(pshm_type_field, name); FIELD(pshm_type_field, offset); FIELD(pshm_type_field, size);
    FIELD(pshm_type_field, kind); FIELD(pshm_type_field, element_size);

    STRUCT(pshm_slot);
    FIELD(pshm_slot, sequence); FIELD(pshm_slot, length); FIELD(pshm_slot, flags);
    return 0;
}
