package compress

// The static models of the transaction codec. The frequencies were counted
// by TestTrainTables over the transactions of the full blocks in
// ../shared/data, leaving out every transaction of the four era sample
// files (the figures are measured on those); docs/compression.md lists
// them. Changing any number changes the format.

var (
	fLiteral = flagTable{"literal transaction", 1}

	tVersion  = table{"version", []uint16{19032, 13734, 1}}
	tInCount  = numTable{table{"input count", []uint16{1, 26160, 3805, 847, 676, 311, 201, 123, 64, 53, 76, 45, 33, 17, 22, 19, 1, 1, 1, 1, 118, 74, 53, 20, 8, 3, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}}, 16, 32}
	tOutCount = numTable{table{"output count", []uint16{1, 8783, 20708, 1523, 366, 156, 183, 262, 60, 37, 45, 81, 38, 26, 21, 12, 1, 1, 1, 1, 265, 79, 22, 51, 6, 7, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}}, 16, 32}
	tLockTime = numTable{table{"lock time", []uint16{29154, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 1, 1413, 2160, 1, 1, 1, 1, 1, 1, 1, 1, 1, 9, 1, 1}}, 1, 32}
	tTxLen    = numTable{table{"literal length", []uint16{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}}, 1, 32}

	tKind       = table{"input kind", []uint16{10428, 2460, 4054, 8949, 512, 719, 790, 4849, 1, 1, 1}}
	fKindChange = flagTable{"input kind differs from previous", 167}
	tVout       = numTable{table{"prevout index", []uint16{10022, 10005, 1127, 1484, 587, 550, 460, 397, 287, 310, 257, 216, 213, 192, 189, 174, 172, 156, 149, 138, 128, 100, 96, 89, 82, 78, 81, 67, 64, 67, 60, 54, 1, 1, 1, 1, 1, 1235, 1329, 1130, 294, 365, 184, 123, 10, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}}, 32, 32}
	tSequence   = [3]table{
		{"sequence first, lock time 0", []uint16{21780, 8215, 134, 839, 1797}},
		{"sequence first, lock time set", []uint16{2026, 9395, 20977, 148, 219}},
		{"sequence changed", []uint16{15418, 5300, 1446, 482, 10118}},
	}
	fSeqChange = flagTable{"sequence differs from previous", 6}

	tItem = [itemContexts]table{
		{"item where a signature is expected", []uint16{1, 32761, 1, 1, 1, 1, 1, 1}},
		{"item elsewhere", []uint16{7584, 15720, 9097, 105, 49, 1, 178, 30}},
	}
	tItemLen      = numTable{table{"item length", []uint16{1, 32736, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}}, 1, 32}
	tWitCount     = numTable{table{"witness item count", []uint16{1, 23649, 878, 7340, 855, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}}, 16, 32}
	tPushCount    = numTable{table{"scriptSig push count", []uint16{1, 594, 312, 29819, 1996, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}}, 16, 32}
	tSighash      = table{"ECDSA sighash", []uint16{32706, 31, 25, 1, 1, 1, 1}}
	tSchnorrHash  = table{"Schnorr sighash", []uint16{14325, 18437, 1, 1, 1, 1, 1}}
	fRHigh        = flagTable{"DER r top bit set", 1679}
	fSHigh        = flagTable{"DER s top bit set", 55}
	fSchnorrHash  = flagTable{"key-path signature has a sighash byte", 496}
	fUncompressed = flagTable{"key is uncompressed", 406}

	tScript = [scriptSigRaw]table{
		{"witness script template", []uint16{30178, 1, 1, 1, 2586}},
		{"redeem script template", []uint16{32169, 1, 1, 1, 595}},
		{"tapscript template", []uint16{1, 1, 174, 32586, 5}},
	}
	tScriptLen = [scriptContexts]numTable{
		{table{"witness script length", []uint16{1, 1, 1, 1, 1, 1202, 451, 12013, 19071, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}}, 1, 32},
		{table{"redeem script length", []uint16{1, 1, 1, 1, 1, 1, 1, 32736, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}}, 1, 32},
		{table{"tapscript length", []uint16{1, 1, 1, 1, 1, 106, 10035, 6405, 9467, 5489, 875, 55, 46, 23, 46, 74, 42, 60, 19, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}}, 1, 32},
		{table{"raw scriptSig length", []uint16{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}}, 1, 32},
	}
	tCtrlDepth = numTable{table{"control block depth", []uint16{31478, 1267, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}}, 16, 8}
	tMultisig  = table{"multisig m and n", []uint16{15988, 12363, 1018, 204, 2427, 1, 155, 606, 1, 1, 1}}

	tOutput      = table{"output kind", []uint16{9402, 8492, 8145, 4702, 355, 1633, 5, 28, 1, 1, 1}}
	tOpReturnLen = numTable{table{"OP_RETURN length", []uint16{1, 30, 1, 375, 19192, 2307, 2549, 8285, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}}, 1, 32}
	tOutputLen   = numTable{table{"raw output script length", []uint16{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}}, 1, 32}
	tAmount      = [amountClasses]table{
		{"amount of OP_RETURN output", []uint16{32745, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}},
		{"amount of P2TR output", []uint16{1, 12717, 2802, 1, 12613, 1816, 1356, 785, 353, 203, 43, 59, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}},
		{"amount of other output", []uint16{1, 2283, 64, 52, 21065, 2914, 1783, 1299, 1531, 784, 584, 210, 169, 13, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1}},
	}
	tMantissa = [4]numTable{
		{table{"amount mantissa, no trailing zeros", []uint16{1, 1, 1, 1, 1, 1, 1, 1, 1, 435, 283, 378, 2428, 1170, 1484, 1474, 2321, 2906, 2938, 2823, 2809, 2821, 1846, 1348, 1105, 962, 783, 753, 415, 331, 371, 247, 131, 70, 43, 30, 11, 1, 1, 1, 1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}}, 1, 64},
		{table{"amount mantissa, 1 trailing zero", []uint16{1, 1, 1, 1, 1, 1, 113, 213, 844, 3349, 851, 1762, 1591, 2538, 2885, 3230, 2840, 2802, 2151, 1733, 1301, 1092, 841, 712, 564, 380, 281, 261, 149, 110, 52, 17, 42, 10, 4, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}}, 1, 64},
		{table{"amount mantissa, 2 trailing zeros", []uint16{1, 1, 213, 9829, 2749, 304, 380, 471, 658, 997, 1438, 1979, 2096, 1974, 2754, 1777, 1225, 1225, 906, 557, 436, 243, 198, 137, 61, 36, 11, 46, 11, 6, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}}, 1, 64},
		{table{"amount mantissa, 3 or more trailing zeros", []uint16{1, 5117, 4446, 3734, 2128, 1883, 2040, 2781, 1979, 1627, 1476, 1407, 1236, 829, 841, 477, 270, 178, 99, 88, 36, 16, 12, 9, 5, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}}, 1, 64},
	}
)
