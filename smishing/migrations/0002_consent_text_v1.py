from django.db import migrations

VERSION = "2026-11-v1"
TEXT_KO = (
    "붙여 넣은 문자(주민등록번호·카드번호는 저장 전에 가림 처리)를 "
    "스미싱 탐지 모델의 학습에 사용하는 데 "
    "동의합니다. 동의하지 않아도 검사 결과는 똑같이 받을 수 있으며, "
    "동의하지 않은 문자는 학습에 쓰이지 않습니다."
)
TEXT_EN = (
    "I agree that the pasted text (resident registration and card numbers are masked before storage) may be "
    "used to train the smishing detection model. The check works the same without consent, and texts without "
    "consent are never used for training."
)


def publish(apps, schema_editor):
    ConsentText = apps.get_model("smishing", "ConsentText")
    ConsentText.objects.get_or_create(version=VERSION, defaults={"text_ko": TEXT_KO, "text_en": TEXT_EN})


class Migration(migrations.Migration):
    dependencies = [("smishing", "0001_initial")]

    operations = [migrations.RunPython(publish, migrations.RunPython.noop)]
