"""The Telegram chat app as the conversation sees it: /commands, and its help and how-to-link texts."""

from __future__ import annotations

from engine.chat.channels import ChatChannel

TELEGRAM_HELP = (
    "📌 <b>dondoc – đôn đốc thực hiện kế hoạch</b>\n"
    "/viec – việc của tôi chưa hoàn thành, việc quá hạn lên trước\n"
    "/quahan – việc quá hạn của các đơn vị đồng chí phụ trách (Chủ tịch: mọi đơn vị)\n"
    "/baocao – tình hình thực hiện của đơn vị (Chủ tịch: theo từng đơn vị)\n"
    "/huy – hủy liên kết Telegram này với dondoc\n"
    "/boqua – bỏ qua câu hỏi bot đang chờ\n"
    "/trogiup – hướng dẫn này\n\n"
    "Trên tin nhắc việc: ▶️ Đang thực hiện · ✅ Đã hoàn thành · ⏳ Xin gia hạn.\n"
    "Trên cảnh báo quá hạn: 👁 Đã nhận · ℹ️ Xem chi tiết.\n"
    "<i>English: /tasks /overdue /report /unlink /cancel /help</i>"
)
TELEGRAM_NOT_LINKED = (
    "👋 Xin chào! Đây là bot nhắc việc <b>dondoc</b> của UBND xã.\n"
    "Tài khoản Telegram này chưa được liên kết với cán bộ nào. Đề nghị quản trị viên dondoc gửi "
    "đồng chí đường dẫn liên kết (lệnh <code>dondoc people invite</code>), rồi bấm vào đường dẫn "
    "hoặc gõ <code>/start MÃ-LIÊN-KẾT</code> tại đây.\n"
    "<i>This chat is not linked yet: ask your dondoc admin for an invite link.</i>"
)
TELEGRAM = ChatChannel("telegram", "Telegram", "/", TELEGRAM_HELP, TELEGRAM_NOT_LINKED)
