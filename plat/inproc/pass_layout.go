package inproc

/*
#include "pass.h"
*/
import "C"

import "github.com/elfloader/elfloader/plat"

// passLayoutPairs pairs each constant of pass.h with plat's (TestPassLayout).
func passLayoutPairs() map[string][2]uint64 {
	return map[string][2]uint64{
		"fd capacity":  {C.EP_PASS_FD_CAP, plat.PassFDCapacity},
		"ofd capacity": {C.EP_PASS_OFD_CAP, plat.PassOFDCapacity},
		"fd mask":      {C.EP_PASS_FD_MASK, plat.PassWordFDMask},
		"valid":        {C.EP_PASS_VALID, plat.PassWordValid},
		"socket":       {C.EP_PASS_SOCKET, plat.PassWordSocket},
		"nonblock":     {C.EP_PASS_NONBLOCK, plat.PassWordNonblock},
		"epoll":        {C.EP_PASS_EPOLL, plat.PassWordEpoll},
		"file":         {C.EP_PASS_FILE, plat.PassWordFile},
		"timed":        {C.EP_PASS_TIMED, plat.PassWordTimed},
		"pread":        {C.EP_PASS_PREAD, plat.PassWordPread},
		"inflight":     {C.EP_PASS_INFLIGHT_ONE, plat.PassWordInflightOne},
		"file dev":     {C.EP_PASS_FILE_DEV, plat.PassFileDevWord},
		"file gate":    {C.EP_PASS_FILE_GATE, plat.PassFileGateWord},
		"file access":  {C.EP_PASS_FILE_ACCESS, plat.PassFileAccessWord},
		"closable":     {C.EP_PASS_CLOSABLE, plat.PassWordClosable},
		"watched":      {C.EP_ACCESS_WATCHED, plat.PassAccessWatched},
		"locked":       {C.EP_ACCESS_LOCKED, plat.PassAccessLocked},
		"close slots":  {C.EP_PASS_CLOSE_SLOTS, plat.PassCloseSlots},
		"fd bytes":     {C.EP_PASS_FD_TABLE_BYTES, plat.PassFDTableBytes},
		"revive gen":   {C.EP_PASS_REVIVE_GEN, plat.PassReviveGenWord},
		"revive":       {C.EP_PASS_REVIVE, plat.PassReviveOffset},
		"records at":   {C.EP_PASS_REVIVE_RECORDS_AT, plat.PassReviveRecordsOffset},
		"records":      {C.EP_PASS_REVIVE_RECORDS, plat.PassReviveRecords},
		"record words": {C.EP_PASS_REVIVE_RECORD_WORDS, plat.PassReviveRecordWords},
		"path max":     {C.EP_PASS_REVIVE_PATH_MAX, plat.PassRevivePathMax},
	}
}
