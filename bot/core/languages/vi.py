"""Vietnamese words. The command words are the ones the Vietnamese texts show in capitals
(NGỪNG, GIÚP, QUAY LẠI, LÀM LẠI, NGÔN NGỮ, XÓA, BỎ QUA, CÓ, KHÔNG), plus the other ways people
say them. Vietnamese is often typed without accents, and with d for đ: matching drops accents
but keeps đ, so words with đ are also listed with d. No command word may read, once typed so,
as an everyday answer: "dừng" alone would be "dung", which is also "đúng" (right), so STOP is
"ngừng" or "dừng lại", never "dừng" alone; and "đúng" alone is not a yes word either.
Draft: no native speaker has reviewed these lists yet."""

from bot.core.lexicon import Lexicon

LEXICON = Lexicon(
    locale="vi",
    commands={
        "stop": frozenset(
            {"ngừng", "dừng lại", "ngừng lại", "ngừng nhắn tin", "hủy đăng ký", "huy dang ky"}
        ),
        "start": frozenset({"bắt đầu", "bat dau", "đăng ký lại", "dang ky lai"}),
        "help": frozenset(
            {"giúp", "giúp tôi", "giúp đỡ", "giup do", "trợ giúp", "hướng dẫn", "huong dan"}
        ),
        "back": frozenset({"quay lại", "trở lại", "lùi lại", "câu trước"}),
        "restart": frozenset({"làm lại", "bắt đầu lại", "bat dau lai"}),
        "language": frozenset(
            {"ngôn ngữ", "đổi ngôn ngữ", "doi ngon ngu", "chọn ngôn ngữ", "đổi tiếng"}
            | {"doi tieng"}
        ),
        "delete": frozenset(
            {"xóa", "xóa hết", "xóa dữ liệu", "xóa câu trả lời", "xóa dữ liệu của tôi"}
        ),
    },
    yes=frozenset(
        {"có", "c", "có ạ", "dạ có", "có rồi", "rồi", "vâng", "dạ", "dạ vâng", "ừ", "ok"}
        | {"đúng rồi", "dung roi", "đồng ý", "dong y"}
    ),
    no=frozenset(
        {"không", "ko", "k", "kg", "hông", "không có", "không ạ", "dạ không", "không phải"}
        | {"chưa", "chưa có", "chưa bao giờ", "không bao giờ", "đâu có", "dau co"}
    ),
    skip=frozenset(
        {"bỏ qua", "không muốn nói", "không muốn trả lời", "xin phép không trả lời"}
        | {"không tiện nói"}
    ),
    # "năm", "vào", "lúc", "hồi" come before a year or an age ("năm 2010", "lúc 5 tuổi")
    # without changing it.
    approximately=frozenset({"vào năm"})
    | frozenset(
        {"khoảng", "chừng", "tầm", "độ", "do", "cỡ", "gần", "ước", "năm", "vào", "lúc", "hồi"}
    ),
    number_units=frozenset({"năm", "tuổi", "năm trời", "năm rồi"}),
    greetings=frozenset(
        {"xin chào", "chào bạn", "chào anh", "chào chị", "chào em", "chào anh chị"}
        | {"chào quý vị", "kính chào", "chào buổi sáng", "chào buổi chiều", "chào buổi tối"}
    ),
    common_words=frozenset(
        {"của", "giúp", "giùm", "được", "duoc", "những", "người", "chồng", "trai", "anh"}
        | {"luật", "trục", "xuất", "xin", "vui", "làm", "muốn", "biết", "không", "với", "tại"}
        | {"nhà", "nước", "hỏi", "việc", "giấy", "gia", "đình", "dinh", "quân", "mình"}
        | {"hiện", "pháp", "trợ", "cũng", "như", "thì", "các", "ông", "thưa", "nhé", "hoặc"}
        | {"nhiều", "khi", "đang", "dang", "chuyện", "chúng", "nói", "tiếng"}
    ),
    language_names=frozenset(
        {"tiếng việt", "việt", "việt ngữ", "tiếng việt nam", "vietnamese", "vietnamita"}
        | {"vietnamien", "vietnames"}
    ),
    countries={
        "MX": ("Mễ Tây Cơ", "Mê-hi-cô", "Mehico"),
        "GT": ("Goa-tê-ma-la", "Guatamala"),
        "HN": ("Hôn-đu-rát", "Hon-du-rat", "Ôn-đu-rát", "Hondura"),
        "SV": ("En Xan-va-đo", "Xan-va-đo", "Xan-va-do", "Salvador"),
        "NI": ("Ni-ca-ra-goa", "Nicaragoa"),
        "CR": ("Cốt-xta Ri-ca", "Costarica"),
        "PA": ("Pa-na-ma",),
        "CO": ("Cô-lôm-bi-a", "Columbia"),
        "EC": ("Ê-cu-a-đo", "E-cu-a-do", "Ecuado"),
        "PE": ("Pê-ru",),
        "VE": ("Vê-nê-xu-ê-la", "Venezuala"),
        "DO": ("Cộng hòa Đô-mi-ni-ca", "Cong hoa Do-mi-ni-ca", "Dominicana"),
        "CU": ("Cu-ba",),
        "HT": ("Ha-i-ti", "Hai-ti"),
        "JM": ("Gia-mai-ca", "Jamaika"),
        "BR": ("Ba Tây", "Bra-xin", "Brasil"),
        "VN": ("Việt", "Vietnam", "nước Việt Nam"),
        "KH": ("Cam Bốt", "Cao Miên", "Miên", "Cam-pu-chia", "Cambodia", "Kampuchea"),
        "LA": ("Ai Lao", "Laos"),
        "CN": ("Trung Hoa", "Tàu", "TQ"),
        "US": (
            "Mỹ",
            "nước Mỹ",
            "bên Mỹ",
            "Mỹ quốc",
            "Hoa Kì",
            "Hợp chúng quốc Hoa Kỳ",
            "Hiệp chủng quốc Hoa Kỳ",
        ),
        "CA": ("Ca-na-đa", "Gia Nã Đại", "Gia Na Dai"),
        "PH": ("Phi Luật Tân", "Phi-líp-pin"),
        "TH": ("Thái",),
        "KR": ("Đại Hàn", "Dai Han", "Nam Hàn"),
    },
    us_states={
        "CA": ("California", "Ca-li", "Ca-li-phoóc-ni-a", "Califonia"),
        "NY": ("New York", "Nữu Ước", "Nu Uoc"),
        "HI": ("Hawaii", "Ha-oai", "Hạ Uy Di"),
        "DC": ("Washington D.C.", "Hoa Thịnh Đốn", "Hoa Thinh Don"),
        "NC": ("Bắc Carolina",),
        "SC": ("Nam Carolina",),
        "ND": ("Bắc Dakota",),
        "SD": ("Nam Dakota",),
        "WV": ("Tây Virginia",),
        "VI": ("Quần đảo Virgin thuộc Mỹ",),
        "AS": ("Samoa thuộc Mỹ",),
        "MP": ("Quần đảo Bắc Mariana",),
    },
    unsure=frozenset({"chưa chắc", "không biết", "không chắc", "không nhớ", "không rõ"}),
    ago_before=frozenset({"cách đây"}),
    ago_after=frozenset({"trước", "trước đây", "về trước"}),
)
